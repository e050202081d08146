# SPDX-License-Identifier: MIT
"""Shared by the live benchmarks (scripts/bench-live, scripts/bench-capture): an Xvfb display
of its own, and a program run natively or through a server in a private mount namespace."""
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests", "e2e"))
import vgl_env as E  # noqa: E402

SCENES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests",
                      "workloads", "glmark2-ci-scenes.txt")


def have(*programs):
    return all(shutil.which(p) for p in programs)


class Xvfb:
    """An Xvfb display of its own (-displayfd picks a free number)."""

    def __init__(self):
        read_fd, write_fd = os.pipe()
        self.proc = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-noreset", "-nolisten", "tcp", "-screen", "0",
             "1024x768x24"], pass_fds=(write_fd,), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True)
        os.close(write_fd)
        with os.fdopen(read_fd) as f:
            number = f.readline().strip()
        if not number:
            self.proc.kill()
            raise RuntimeError("Xvfb did not start")
        self.display = ":" + number

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def children_cpu_seconds():
    """User + system CPU time of every child process this one has waited for."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_program(renderer, argv, env, timeout, log_dir, capture=None, stats=None):
    """Runs argv through `renderer` ("native", "reference" or "vgl"; "reference-gles" and
    "vgl-gles" on a GLES host context) and returns (returncode,
    output). Through a server, this runs in a private mount namespace with the server started
    in it; ours records into `capture` when given, and the reference through our interposer. `stats` (a dict) gets the server's CPU
    seconds ("server_cpu_s")."""
    env = dict(env)
    env.pop("GALLIUM_DRIVER", None)

    def body():
        server = None
        xdg = tempfile.mkdtemp(prefix="xdg-", dir="/tmp")
        os.chmod(xdg, 0o700)
        env["XDG_RUNTIME_DIR"] = xdg
        # "NAME-gles": the reference with --use-gles, ours with --host-api gles
        base, _, api = renderer.partition("-")
        log = os.path.join(log_dir, renderer + "-server.log")
        if base == "reference":
            server = E.start_reference_server(log, capture=capture,
                                              extra=["--use-gles"] if api == "gles" else [])
        elif base == "vgl":
            server = E.start_server(log, capture=capture,
                                    extra=["--host-api", api] if api else [])
        if server is not None:
            env["GALLIUM_DRIVER"] = "virpipe"
        cpu = None
        try:
            p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, timeout=timeout)
            rc, out = p.returncode, p.stdout.decode(errors="replace")
        except subprocess.TimeoutExpired:
            rc, out = -1, "timed out after %d s" % timeout
        finally:
            if server is not None:
                before = children_cpu_seconds()  # the program's, waited for already
                E.stop_server(server)  # a capture writes its last chunk before it exits
                cpu = children_cpu_seconds() - before
        return rc, out, cpu

    rc, out, cpu = body() if renderer == "native" else tuple(E.run_in_private_tmp(body))
    if stats is not None:
        stats["server_cpu_s"] = cpu
    return rc, out


def last_float(pattern, text):
    found = re.findall(pattern, text)
    return float(found[-1]) if found else None


def scene_file(bench_dir, seconds):
    """The project's scene list with every scene's duration set to `seconds`."""
    path = os.path.join(bench_dir, "glmark2-scenes-%gs.txt" % seconds)
    with open(SCENES) as f:
        lines = [re.sub(r"duration=[0-9.]+", "duration=%g" % seconds, l) for l in f]
    with open(path, "w") as f:
        f.writelines(lines)
    return path


def record_glmark2(trace, scenes, log_dir):
    """Records the apitrace of glmark2 natively under Xvfb."""
    x = Xvfb()
    try:
        env = dict(os.environ, DISPLAY=x.display)
        env.pop("GALLIUM_DRIVER", None)
        p = subprocess.run(["apitrace", "trace", "-o", trace, "glmark2", "-s", "300x300", "-f",
                            scenes], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           cwd=log_dir, timeout=600)
    finally:
        x.stop()
    if p.returncode != 0 or not os.path.exists(trace):
        raise RuntimeError("recording glmark2 failed:\n" + p.stdout.decode(errors="replace")[-2000:])
