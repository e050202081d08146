/* SPDX-License-Identifier: MIT */
/*
 * main() of virgl-capture: runs one program against a private virgl-vtest-server that records it.
 * The program gets its own mount namespace in which only /tmp/.virgl_test is that server's
 * socket, so no other server on the machine is touched. Owns process and namespace set-up.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <vgl/common.h>

#define PROG                    "virgl-capture"
#define GUEST_SOCKET            "/tmp/.virgl_test"
#define SERVER_NAME             "virgl-vtest-server"
#define SERVER_START_TIMEOUT_MS 10000
#define SERVER_STOP_TIMEOUT_MS  60000
/* Exit statuses of the program child when it never got to run the program. */
#define EXIT_SETUP_FAILED 126
#define EXIT_EXEC_FAILED  127

extern char **environ;

static volatile sig_atomic_t pending_signal;

static void usage(FILE *f) {
    fprintf(f, "Usage: " PROG " -o FILE [-v] -- PROGRAM [ARGS]...\n"
               "       " PROG " --vmm -o FILE -- COMMAND [ARGS]...\n"
               "Run PROGRAM with GALLIUM_DRIVER=virpipe against a private virgl-vtest-server\n"
               "and record everything it renders into the trace FILE.\n"
               "With --vmm, run COMMAND (a VMM such as QEMU, or virgl_test_server) with\n"
               "libvgl-capture-vrend.so preloaded, recording its calls into upstream\n"
               "libvirglrenderer: FILE for the first process that renders, FILE with .PID\n"
               "before its extension for any other (or use %%p in FILE for the pid).\n"
               "\n"
               "  -o, --output FILE  trace file to write (.vgz)\n"
               "      --vmm          record a libvirglrenderer user (docs/vmm-capture.md)\n"
               "      --host-api API the private server draws with gl, gles or auto\n"
               "  -v, --verbose      make the server log more (repeatable)\n"
               "  -h, --help         show this help and exit\n"
               "  -V, --version      show the version and exit\n"
               "\n"
               "Environment: VGL_SERVER overrides the path of virgl-vtest-server,\n"
               "VGL_INTERPOSER that of libvgl-capture-vrend.so.\n");
}

static void on_signal(int sig, siginfo_t *info, void *ucontext) {
    /*
     * Signals sent to us alone (kill, timeout) are forwarded to the program. Terminal signals
     * (si_code > 0) already reached the program, which shares our process group.
     */
    if (info->si_code <= 0) {
        pending_signal = sig;
    }
}

static void sleep_ms(long ms) {
    const struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A file of ours: $env_name, else `name` in our executable's directory, else `name` in the
 * library directories of an installed tree beside it (for the interposer). */
static char *find_ours(const char *env_name, const char *name) {
    const char *env = getenv(env_name);
    if (env != NULL && env[0] != 0) {
        return strdup(env);
    }
    char self[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) {
        return NULL;
    }
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (slash == NULL) {
        return NULL;
    }
    *slash = 0;
    static const char *const places[] = {"", "/../lib", "/../lib/x86_64-linux-gnu", "/../lib64"};
    char path[PATH_MAX];
    for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
        if (snprintf(path, sizeof(path), "%s%s/%s", self, places[i], name) < (int)sizeof(path) &&
            access(path, R_OK) == 0) {
            return strdup(path);
        }
    }
    if (snprintf(path, sizeof(path), "%s/%s", self, name) >= (int)sizeof(path)) {
        return NULL;
    }
    return strdup(path); /* named in the error when it is not there */
}

static bool write_file(const char *path, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static bool write_file(const char *path, const char *fmt, ...) {
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    const int len = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (len < 0 || (size_t)len >= sizeof(buf)) {
        return false;
    }
    const int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    const bool ok = write(fd, buf, (size_t)len) == len;
    close(fd);
    return ok;
}

static bool child_fail(const char *what) {
    fprintf(stderr, PROG ": %s: %s\n", what, strerror(errno));
    return false;
}

/* An empty file of this mode at GUEST_SOCKET is a placeholder of a virgl-capture. */
#define PLACEHOLDER_MODE 0444
#define NO_PLACEHOLDER   (-2)

static bool is_placeholder(const struct stat *st) {
    return S_ISREG(st->st_mode) && st->st_size == 0 && (st->st_mode & 07777) == PLACEHOLDER_MODE;
}

static bool same_file(const struct stat *a, const struct stat *b) {
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/*
 * A bind mount needs a target, so GUEST_SOCKET must exist on the machine while the program
 * runs. What is there (a machine server's socket, any other file) is left as it is. A free path
 * gets a placeholder, which the captures running at the same time share: each holds a shared
 * flock on it for its whole run, since unlinking it would detach every capture's mount on it,
 * and the last one to leave removes it (release_guest_path). Returns the locked placeholder's
 * fd, NO_PLACEHOLDER when there is nothing to hold, or -1 when the path cannot be used.
 */
static int hold_guest_path(void) {
    for (int tries = 0; tries < 100; tries++) {
        struct stat st;
        int fd;
        if (lstat(GUEST_SOCKET, &st) != 0) {
            if (errno != ENOENT) {
                fprintf(stderr, PROG ": " GUEST_SOCKET ": %s\n", strerror(errno));
                return -1;
            }
            fd = open(GUEST_SOCKET, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                      PLACEHOLDER_MODE);
            if (fd < 0 && errno == EEXIST) {
                continue;
            }
            if (fd < 0) {
                fprintf(stderr, PROG ": cannot create " GUEST_SOCKET ": %s\n", strerror(errno));
                return -1;
            }
            fchmod(fd, PLACEHOLDER_MODE); /* whatever the umask */
        } else if (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode)) {
            fprintf(stderr, PROG ": " GUEST_SOCKET " is a %s, not mounting over it\n",
                    S_ISLNK(st.st_mode) ? "symbolic link" : "directory");
            return -1;
        } else if (!is_placeholder(&st)) {
            return NO_PLACEHOLDER;
        } else {
            fd = open(GUEST_SOCKET, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
            if (fd < 0) {
                continue; /* replaced meanwhile: look again */
            }
        }
        int r;
        do {
            r = flock(fd, LOCK_SH);
        } while (r != 0 && errno == EINTR);
        if (r != 0) {
            fprintf(stderr, PROG ": cannot lock " GUEST_SOCKET ": %s\n", strerror(errno));
            close(fd);
            return -1;
        }
        struct stat held, now;
        if (fstat(fd, &held) == 0 && lstat(GUEST_SOCKET, &now) == 0 && same_file(&held, &now)) {
            return fd;
        }
        close(fd); /* removed by the last capture before we locked it: start again */
    }
    fprintf(stderr, PROG ": " GUEST_SOCKET " keeps changing\n");
    return -1;
}

/* Remove the placeholder when no other capture holds it and it is still untouched in place. */
static void release_guest_path(int fd) {
    if (fd < 0) {
        return;
    }
    struct stat held, now;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &held) == 0 && is_placeholder(&held) &&
        lstat(GUEST_SOCKET, &now) == 0 && same_file(&held, &now)) {
        unlink(GUEST_SOCKET); /* may fail in a sticky /tmp if another user made it: it stays */
    }
    close(fd);
}

/*
 * In the program child: a private mount namespace in which our server's socket is bind-mounted
 * on GUEST_SOCKET. The rest of /tmp is the machine's. The mount goes on the file opened and
 * checked here, so swapping the path for a link cannot redirect it; the fd must be opened after
 * unshare, since a mount on a path of the old namespace is refused.
 */
static bool setup_namespace(const char *server_socket) {
    const uid_t uid = geteuid();
    const gid_t gid = getegid();
    if (unshare(CLONE_NEWNS) != 0) {
        if (errno != EPERM) {
            return child_fail("unshare(CLONE_NEWNS)");
        }
        /* Unprivileged: a user namespace owning the mount namespace, mapping only our ids. */
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
            return child_fail("unshare(CLONE_NEWUSER | CLONE_NEWNS)");
        }
        if (!write_file("/proc/self/setgroups", "deny") && errno != ENOENT) {
            return child_fail("writing /proc/self/setgroups");
        }
        if (!write_file("/proc/self/uid_map", "%u %u 1\n", (unsigned)uid, (unsigned)uid)) {
            return child_fail("writing /proc/self/uid_map");
        }
        if (!write_file("/proc/self/gid_map", "%u %u 1\n", (unsigned)gid, (unsigned)gid)) {
            return child_fail("writing /proc/self/gid_map");
        }
    }
    /*
     * Nothing we mount may propagate back to the machine's namespace. (The type is ignored for
     * propagation changes and bind mounts; "none" rather than NULL keeps valgrind quiet.)
     */
    if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) != 0) {
        return child_fail("making / private");
    }
    const int target = open(GUEST_SOCKET, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (target < 0) {
        return child_fail("opening " GUEST_SOCKET);
    }
    struct stat st;
    if (fstat(target, &st) != 0 || S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode)) {
        fprintf(stderr, PROG ": " GUEST_SOCKET " turned into a link or a directory\n");
        close(target);
        return false;
    }
    char target_path[64];
    snprintf(target_path, sizeof(target_path), "/proc/self/fd/%d", target);
    const bool ok = mount(server_socket, target_path, "none", MS_BIND, NULL) == 0 ||
                    child_fail("bind-mounting the server socket on " GUEST_SOCKET);
    close(target);
    return ok;
}

static void run_program(const char *server_socket, char **argv) {
    if (!setup_namespace(server_socket)) {
        _exit(EXIT_SETUP_FAILED);
    }
    if (setenv("GALLIUM_DRIVER", "virpipe", 0) != 0) {
        _exit(EXIT_SETUP_FAILED);
    }
    execvp(argv[0], argv);
    fprintf(stderr, PROG ": cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(EXIT_EXEC_FAILED);
}

static pid_t start_server(const char *server, const char *sock, const char *output, int verbose,
                          const char *host_api) {
    const char *args[16];
    int n = 0;
    args[n++] = server;
    if (host_api) {
        args[n++] = "--host-api";
        args[n++] = host_api;
    }
    args[n++] = "--socket";
    args[n++] = sock;
    args[n++] = "--capture";
    args[n++] = output;
    for (int i = 0; i < verbose && i < 2; i++) {
        args[n++] = "--verbose";
    }
    args[n] = NULL;

    const pid_t pid = fork();
    if (pid == 0) {
        /* Its own process group: a terminal ^C stops the program, and we stop the server. */
        setpgid(0, 0);
        /* The server renders on the host: it must not itself be pointed at a vtest server. */
        const char *driver = getenv("GALLIUM_DRIVER");
        if (driver != NULL && strcmp(driver, "virpipe") == 0) {
            unsetenv("GALLIUM_DRIVER");
        }
        execv(server, (char *const *)args);
        fprintf(stderr, PROG ": cannot run %s: %s\n", server, strerror(errno));
        _exit(EXIT_EXEC_FAILED);
    }
    return pid;
}

static void describe_status(int status, char *buf, size_t size) {
    if (WIFEXITED(status)) {
        snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
        snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    } else {
        snprintf(buf, size, "status 0x%x", (unsigned)status);
    }
}

/* Wait up to timeout_ms for the server's socket; false if it exited or timed out. */
static bool wait_for_socket(pid_t server, const char *sock, int *server_status) {
    for (int waited = 0; waited < SERVER_START_TIMEOUT_MS; waited += 20) {
        struct stat st;
        if (stat(sock, &st) == 0 && S_ISSOCK(st.st_mode)) {
            return true;
        }
        if (waitpid(server, server_status, WNOHANG) == server) {
            char what[96];
            describe_status(*server_status, what, sizeof(what));
            fprintf(stderr, PROG ": the server stopped before listening (%s)\n", what);
            return false;
        }
        sleep_ms(20);
    }
    fprintf(stderr, PROG ": the server did not create %s within %d s\n", sock,
            SERVER_START_TIMEOUT_MS / 1000);
    *server_status = -1;
    return false;
}

/* SIGTERM the server (it drains its clients and closes the trace) and reap it. */
static int stop_server(pid_t server) {
    int status = 0;
    kill(server, SIGTERM);
    for (int waited = 0;; waited += 20) {
        const pid_t r = waitpid(server, &status, WNOHANG);
        if (r == server || (r < 0 && errno != EINTR)) {
            return r == server ? status : -1;
        }
        if (waited == SERVER_STOP_TIMEOUT_MS) {
            fprintf(stderr, PROG ": the server did not stop within %d s, killing it\n",
                    SERVER_STOP_TIMEOUT_MS / 1000);
            kill(server, SIGKILL);
        }
        sleep_ms(20);
    }
}

static int wait_program(pid_t prog) {
    int status = 0;
    for (;;) {
        const pid_t r = waitpid(prog, &status, 0);
        if (r == prog) {
            return status;
        }
        if (r < 0 && errno != EINTR) {
            return -1;
        }
        const int sig = pending_signal;
        if (sig != 0) {
            pending_signal = 0;
            kill(prog, sig);
        }
    }
}

static int exit_code(int status) {
    if (status == -1) {
        return 1;
    }
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

/* Whether `name` is `stem`.PID`ext`: a trace of another process of a --vmm capture. */
static bool is_pid_trace(const char *name, const char *stem, const char *ext) {
    const size_t sl = strlen(stem), el = strlen(ext), nl = strlen(name);
    if (nl <= sl + 1 + el || strncmp(name, stem, sl) != 0 || name[sl] != '.' ||
        strcmp(name + nl - el, ext) != 0) {
        return false;
    }
    for (size_t i = sl + 1; i < nl - el; i++) {
        if (name[i] < '0' || name[i] > '9') {
            return false;
        }
    }
    return true;
}

/* List the traces a --vmm capture wrote: FILE and FILE's stem.PID.ext beside it. */
static int report_vmm_traces(const char *output) {
    char dir[PATH_MAX], base[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", output);
    char *slash = strrchr(dir, '/');
    *slash = '\0';
    snprintf(base, sizeof(base), "%s", slash + 1);
    char *dot = strrchr(base, '.');
    char ext[PATH_MAX] = "";
    if (dot) {
        snprintf(ext, sizeof(ext), "%s", dot);
        *dot = '\0';
    }
    int count = 0;
    DIR *d = opendir(dir[0] ? dir : "/");
    const struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        char full[PATH_MAX * 2];
        snprintf(full, sizeof(full), "%s/%s", dir, e->d_name);
        const bool plain = strcmp(full, output) == 0;
        struct stat st;
        if ((plain || is_pid_trace(e->d_name, base, ext)) && stat(full, &st) == 0 &&
            st.st_size > 0) {
            fprintf(stderr, PROG ": trace %s, %lld bytes\n", full, (long long)st.st_size);
            count++;
        }
    }
    if (d) {
        closedir(d);
    }
    return count;
}

/* --vmm: COMMAND with the interposer preloaded; the traces are the interposer's to write. */
static int run_vmm(const char *output, char **argv) {
    char *lib = find_ours("VGL_INTERPOSER", "libvgl-capture-vrend.so");
    char out[PATH_MAX];
    if (lib == NULL || access(lib, R_OK) != 0) {
        fprintf(stderr, PROG ": cannot find libvgl-capture-vrend.so%s%s (set VGL_INTERPOSER)\n",
                lib ? " at " : "", lib ? lib : "");
        free(lib);
        return 1;
    }
    /* Absolute: the VMM may change directory. A plain name is claimed by the first process
     * that renders, so an old trace of that name goes first. */
    if (output[0] == '/') {
        snprintf(out, sizeof(out), "%s", output);
    } else {
        char cwd[PATH_MAX];
        if (getcwd(cwd, sizeof(cwd)) == NULL ||
            snprintf(out, sizeof(out), "%s/%s", cwd, output) >= (int)sizeof(out)) {
            fprintf(stderr, PROG ": the output path is too long\n");
            free(lib);
            return 1;
        }
    }
    if (strstr(out, "%p") == NULL && unlink(out) != 0 && errno != ENOENT) {
        fprintf(stderr, PROG ": cannot replace %s: %s\n", out, strerror(errno));
        free(lib);
        return 1;
    }
    const char *old = getenv("LD_PRELOAD");
    char *preload = malloc(strlen(lib) + (old ? strlen(old) : 0) + 2);
    if (!preload) {
        free(lib);
        return 1;
    }
    sprintf(preload, "%s%s%s", lib, old && *old ? ":" : "", old && *old ? old : "");
    free(lib);
    const struct sigaction sa = {.sa_sigaction = on_signal, .sa_flags = SA_SIGINFO};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    const pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
        free(preload);
        return 1;
    }
    if (pid == 0) {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        if (setenv("LD_PRELOAD", preload, 1) != 0 || setenv("VGL_CAPTURE_FILE", out, 1) != 0) {
            _exit(EXIT_SETUP_FAILED);
        }
        execvp(argv[0], argv);
        fprintf(stderr, PROG ": cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(EXIT_EXEC_FAILED);
    }
    free(preload);
    const int status = wait_program(pid);
    char what[96] = "status unknown";
    if (status != -1) {
        describe_status(status, what, sizeof(what));
    }
    fprintf(stderr, PROG ": %s: %s\n", argv[0], what);
    if (strstr(out, "%p") == NULL && report_vmm_traces(out) == 0) {
        fprintf(stderr, PROG ": no trace was written: %s never initialised libvirglrenderer\n",
                argv[0]);
        return status != -1 && exit_code(status) != 0 ? exit_code(status) : 1;
    }
    return exit_code(status);
}

int main(int argc, char **argv) {
    static const struct option long_opts[] = {
            {"output", required_argument, NULL, 'o'},
            {"verbose", no_argument, NULL, 'v'},
            {"vmm", no_argument, NULL, 'M'},
            {"help", no_argument, NULL, 'h'},
            {"version", no_argument, NULL, 'V'},
            {"host-api", required_argument, NULL, 'H'},
            {NULL, 0, NULL, 0},
    };
    const char *output = NULL, *host_api = NULL;
    int verbose = 0;
    bool vmm = false;
    int opt;
    /* '+': stop at the first non-option, the program's own options are not ours. */
    while ((opt = getopt_long(argc, argv, "+o:vhV", long_opts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            output = optarg;
            break;
        case 'v':
            verbose++;
            break;
        case 'M':
            vmm = true;
            break;
        case 'H':
            host_api = optarg; /* the server checks it */
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf(PROG " %s\n", vgl_version());
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (output == NULL || optind >= argc) {
        fprintf(stderr, PROG ": %s\n", output == NULL ? "-o FILE is required" : "no program given");
        usage(stderr);
        return 2;
    }
    char **prog_argv = argv + optind;

    if (vmm) {
        return run_vmm(output, prog_argv);
    }
    char *server = find_ours("VGL_SERVER", SERVER_NAME);
    if (server == NULL) {
        fprintf(stderr, PROG ": cannot locate " SERVER_NAME " (set VGL_SERVER)\n");
        return 1;
    }
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || tmp[0] == 0) {
        tmp = "/tmp";
    }
    char dir[PATH_MAX];
    char sock[PATH_MAX + 8];
    const int dir_len = snprintf(dir, sizeof(dir), "%s/virgl-capture-XXXXXX", tmp);
    if (dir_len < 0 ||
        (size_t)dir_len + sizeof("/sock") > sizeof(((struct sockaddr_un *)0)->sun_path)) {
        fprintf(stderr, PROG ": TMPDIR '%s' is too long for a socket path\n", tmp);
        free(server);
        return 1;
    }
    if (mkdtemp(dir) == NULL) {
        fprintf(stderr, PROG ": cannot create a directory in %s: %s\n", tmp, strerror(errno));
        free(server);
        return 1;
    }
    snprintf(sock, sizeof(sock), "%s/sock", dir);

    const struct sigaction sa = {.sa_sigaction = on_signal, .sa_flags = SA_SIGINFO};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    int ret = 1;
    int server_status = 0;
    const pid_t server_pid = start_server(server, sock, output, verbose, host_api);
    if (server_pid < 0) {
        fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
        goto out_dir;
    }
    if (!wait_for_socket(server_pid, sock, &server_status)) {
        if (server_status == -1) {
            kill(server_pid, SIGKILL);
            waitpid(server_pid, NULL, 0);
        }
        goto out_dir;
    }
    /* Just before the program: a machine server may come and go meanwhile. */
    const int placeholder = hold_guest_path();
    if (placeholder == -1) {
        stop_server(server_pid);
        goto out_dir;
    }

    const pid_t prog_pid = fork();
    if (prog_pid < 0) {
        fprintf(stderr, PROG ": fork: %s\n", strerror(errno));
        stop_server(server_pid);
        goto out_placeholder;
    }
    if (prog_pid == 0) {
        /* Restore default dispositions for the program (exec would, but not on failure). */
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        run_program(sock, prog_argv);
    }

    const int prog_status = wait_program(prog_pid);
    server_status = stop_server(server_pid);

    char prog_what[96] = "status unknown";
    if (prog_status != -1) {
        describe_status(prog_status, prog_what, sizeof(prog_what));
    }
    if (server_status == -1 || !WIFEXITED(server_status) || WEXITSTATUS(server_status) != 0) {
        char what[96] = "lost";
        if (server_status != -1) {
            describe_status(server_status, what, sizeof(what));
        }
        fprintf(stderr, PROG ": the server failed (%s); see its messages above. %s: %s\n", what,
                prog_argv[0], prog_what);
        goto out_placeholder;
    }

    struct stat st;
    const long long size = stat(output, &st) == 0 ? (long long)st.st_size : -1;
    fprintf(stderr, PROG ": trace %s, %lld bytes; %s: %s\n", output, size, prog_argv[0], prog_what);
    ret = exit_code(prog_status);

out_placeholder:
    release_guest_path(placeholder); /* after the program: its mount needs the placeholder */
out_dir:
    unlink(sock); /* normally gone already: the server unlinks its socket */
    if (rmdir(dir) != 0) {
        fprintf(stderr, PROG ": cannot remove %s: %s\n", dir, strerror(errno));
    }
    free(server);
    return ret;
}
