/* SPDX-License-Identifier: MIT */
/* Runs the registered tests, each in its own process with a timeout, and prints a summary. */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

#define MAX_TESTS 256
#define TIMEOUT_S 60

struct test {
    const char *name;
    vgl_test_func func;
};

static struct test tests[MAX_TESTS];
static int test_count;

void vgl_test_register(const char *name, vgl_test_func func) {
    if (test_count == MAX_TESTS) {
        fprintf(stderr, "too many tests\n");
        abort();
    }
    tests[test_count].name = name;
    tests[test_count].func = func;
    test_count++;
}

void vgl_test_skip(const char *why) {
    fprintf(stderr, "skip: %s\n", why);
    exit(77);
}

static int run_one(const struct test *t) {
    fflush(NULL);
    const pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        alarm(TIMEOUT_S);
        t->func();
        exit(0);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
    }
    /* Name the process, so that a sanitizer report (written to a file named after the pid in
     * the sanitizer stage) can be matched to its test. */
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "%s: process %d killed by signal %d%s\n", t->name, (int)pid,
                WTERMSIG(status), WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
        return 1;
    }
    const int rc = WEXITSTATUS(status);
    if (rc != 0 && rc != 77) {
        fprintf(stderr, "%s: process %d exited with status %d\n", t->name, (int)pid, rc);
    }
    return rc;
}

int main(int argc, char **argv) {
    int passed = 0, failed = 0, skipped = 0, ran = 0;
    for (int i = 0; i < test_count; i++) {
        if (argc > 1 && strcmp(argv[1], tests[i].name) != 0) {
            continue;
        }
        ran++;
        const int rc = run_one(&tests[i]);
        const char *verdict = rc == 0 ? "ok" : rc == 77 ? "skip" : "FAIL";
        printf("%-4s %s\n", verdict, tests[i].name);
        if (rc == 0) {
            passed++;
        } else if (rc == 77) {
            skipped++;
        } else {
            failed++;
        }
    }
    if (argc > 1 && ran == 0) {
        fprintf(stderr, "no test named %s\n", argv[1]);
        return 2;
    }
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    if (failed) {
        return 1;
    }
    return passed == 0 && skipped > 0 ? 77 : 0;
}
