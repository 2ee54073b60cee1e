import Foundation

/// How a Python training script's output reaches the platform: buffered and flushed at least every
/// 50 ms (and before standard error, a fork and exit) rather than written a line at a time, through a
/// `sitecustomize` the worker puts first on the script's PYTHONPATH.
enum PythonOutput {
    /// The directory (in the instance's directory) that holds the `sitecustomize`.
    static let directory = ".anneal-python"

    /// Writes the `sitecustomize` into the instance directory `root` (a temporary name, then renamed).
    static func install(root: String) throws {
        try FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
        try sitecustomize.write(toFile: root + "/" + directory + "/sitecustomize.py", atomically: true, encoding: .utf8)
    }

    static let sitecustomize = #"""
# Anneal: a training script's standard output goes to the platform through a pipe. Written a line
# at a time (PYTHONUNBUFFERED), every print is a system call that costs a script printing steadily
# twice its time; buffered as Python buffers a pipe, a line could wait until the script ends. Here
# it is buffered (64 KiB) and flushed at least every ANNEAL_OUTPUT_FLUSH_SECONDS (0.05 by default),
# before every write to standard error (so the two keep their order), before a fork or a
# subprocess and at exit (os._exit too). A job that sets PYTHONUNBUFFERED (or runs python -u) gets a write per line.
# Installed by the Anneal worker as sitecustomize; the job's or the interpreter's own
# sitecustomize, if there is one, runs after it.
import os as _os
import sys as _sys


def _anneal_buffer_output():
    try:
        interval = float(_os.environ.get("ANNEAL_OUTPUT_FLUSH_SECONDS", "0.05"))
    except ValueError:
        interval = 0.05
    out, err = _sys.stdout, _sys.stderr
    # PYTHONUNBUFFERED or python -u: standard output is written through, as asked.
    if out is None or err is None or getattr(out, "write_through", True) or out.isatty():
        return
    if not interval > 0 or _sys.version_info < (3, 8):
        # A period of 0, or no audit hooks to flush before a subprocess (before 3.8): a write per line.
        if hasattr(out, "reconfigure"):
            out.reconfigure(line_buffering=True)
        return
    import atexit
    import io
    import threading
    import time

    def flush_stdout():
        for stream in (_sys.stdout, _sys.__stdout__):
            try:
                if stream is not None and not stream.closed:
                    stream.flush()
            except Exception:
                pass

    class OrderedStderr(io.TextIOWrapper):
        """Standard error that lets standard output's buffered lines go first."""

        def write(self, text):
            if _sys.stdout is not None and _sys.stdout is not self:
                flush_stdout()
            return super().write(text)

    # A buffer of 64 KiB rather than Python's 8 KiB for a pipe: an eighth of the writes, each of which
    # costs the script a system call and wakes the reader (a tenth of its time at a million lines).
    if type(out) is io.TextIOWrapper and out.fileno() == 1 and isinstance(out.buffer, io.BufferedWriter):
        out.flush()
        encoding, errors = out.encoding, out.errors
        out = io.TextIOWrapper(io.BufferedWriter(out.detach().detach(), 1 << 16), encoding=encoding, errors=errors, newline="\n")
        _sys.stdout = _sys.__stdout__ = out

    if type(err) is io.TextIOWrapper and err.fileno() == 2:
        encoding, errors, line_buffering, write_through = err.encoding, err.errors, err.line_buffering, err.write_through
        ordered = OrderedStderr(err.detach(), encoding=encoding, errors=errors, newline="\n", line_buffering=line_buffering,
                                write_through=write_through)
        _sys.stderr = _sys.__stderr__ = ordered

    state = {"lock": threading.Lock(), "stopped": False}

    def run(lock):
        while True:
            time.sleep(interval)
            with lock:
                if state["stopped"] or lock is not state["lock"]:
                    return
                flush_stdout()

    def start():
        threading.Thread(target=run, args=(state["lock"],), name="anneal-output-flush", daemon=True).start()

    def before_fork():
        # No flush is in progress in the child, and what the parent buffered is not printed twice.
        state["lock"].acquire()
        flush_stdout()

    def after_fork_in_child():
        state["lock"] = threading.Lock()
        start()

    def stop():
        # Before the interpreter finalises (it flushes the streams itself): the thread is stopped out
        # of any flush, so it never holds standard output's lock while the interpreter shuts down.
        if state["lock"].acquire(timeout=10):
            state["stopped"] = True
            state["lock"].release()

    # A child the script starts writes to the same pipe at once: what the script printed before
    # starting it goes first (subprocess and os.system raise these audit events before they start one).
    spawning = frozenset({"subprocess.Popen", "os.system", "os.posix_spawn", "os.spawn", "os.exec", "os.fork", "os.forkpty"})

    def before_spawn(event, args):
        if event in spawning:
            flush_stdout()

    _sys.addaudithook(before_spawn)
    exit_now = _os._exit

    def _exit(status):
        # os._exit skips the interpreter's own flush (a forked child's way out).
        flush_stdout()
        exit_now(status)

    _os._exit = _exit
    _os.register_at_fork(before=before_fork, after_in_parent=lambda: state["lock"].release(),
                         after_in_child=after_fork_in_child)
    atexit.register(stop)
    start()


def _anneal_chain():
    """Runs the sitecustomize this one stands in front of, if any (as site.py would have)."""
    import importlib.machinery
    import importlib.util
    here = _os.path.dirname(_os.path.abspath(__file__))
    path = [entry for entry in _sys.path if _os.path.abspath(entry or ".") != here]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        print(f"Error in sitecustomize; set PYTHONVERBOSE for traceback:\n{type(error).__name__}: {error}", file=_sys.stderr)


_anneal_buffer_output()
_anneal_chain()
del _anneal_buffer_output, _anneal_chain
"""#
}
