"""Gunicorn settings for production: several workers, each loading the encoder and indexes once.

    HF_HUB_OFFLINE=1 SECRET_KEY=... .venv/bin/gunicorn -c scripts/gunicorn.conf.py

Environment: MATCHMAKER_BIND (127.0.0.1:8000), MATCHMAKER_WORKERS (CPUs + 1), MATCHMAKER_THREADS (4),
MATCHMAKER_WORKER_HEADER=1 adds an X-Worker-Pid response header (to see which worker answered), and the app's
own variables (DATABASE_URL, MATCHMAKER_INDEX_DIR, ...). Index files are shared by the workers: a change
saved by one is picked up by the others on their next request (store.get_index compares the sidecar).
"""
import logging
import os

wsgi_app = "matchmaker:create_app()"
chdir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the repository root
bind = os.environ.get("MATCHMAKER_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("MATCHMAKER_WORKERS", (os.cpu_count() or 1) + 1))
# Threads overlap database and socket waits; encoding and FAISS release the GIL.
worker_class = "gthread"
threads = int(os.environ.get("MATCHMAKER_THREADS", 4))
# Not preloaded: the app opens a database connection at start-up, which must not be shared across a fork.
preload_app = False
timeout = 120  # the first request after a big import may rebuild feature pools
graceful_timeout = 60  # lets a running upload finish its transaction
keepalive = 5
max_requests, max_requests_jitter = 5000, 500  # recycle workers now and then to bound memory creep
limit_request_line = 8190
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = os.environ.get("MATCHMAKER_ACCESS_LOG")  # "-" for stdout; off by default
errorlog = "-"
loglevel = os.environ.get("MATCHMAKER_LOG_LEVEL", "info")
proc_name = "matchmaker"


def post_worker_init(worker):
    """Load the encoder, the indexes and the feature pools before the first request, one worker at a time:
    the first fills the embedding cache, the others read it (concurrent first fills collide on its
    unique key)."""
    import fcntl

    app = worker.wsgi
    try:
        with app.app_context():
            from matchmaker.matching import pool, store, vectors
            from matchmaker.models import KINDS

            vectors.encoder().encode(["warm up"])
            lock = store.index_path("startup").with_name("warm-up.lock")
            lock.parent.mkdir(parents=True, exist_ok=True)
            with open(lock, "w") as f:
                fcntl.flock(f, fcntl.LOCK_EX)
                for kind in KINDS:
                    store.get_index(kind)
                    pool.get_pool(kind)
    except Exception:  # a cold worker still serves; it just warms on its first request
        logging.getLogger("gunicorn.error").exception("warm-up failed in worker %s", worker.pid)
    if os.environ.get("MATCHMAKER_WORKER_HEADER") == "1":
        worker.wsgi = _with_pid_header(app)


def _with_pid_header(app):
    pid = str(os.getpid())

    def wrapped(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, [*headers, ("X-Worker-Pid", pid)], exc_info)
        return app(environ, start)

    return wrapped
