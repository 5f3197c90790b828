"""A real JupyterHub on this machine, with real Linux accounts, for the classroom checks.

:class:`Classroom` (a context manager) creates the accounts, serves a copy of the
repository over ``git://`` on the loopback interface, starts JupyterHub with
``classroom/jupyterhub_config.py`` and, on the way out, even after an error or a SIGTERM,
stops everything it started and removes the accounts and their home folders.
:class:`Student` does over HTTP what a student's browser does (log in, start the server,
click the nbgitpuller link, save a notebook, fetch and submit an assignment);
:class:`Teacher` runs nbgrader's commands as the instructor's account, as in a terminal
on the hub. Kernels are driven by :mod:`kernel`.

Needs root (it creates accounts), Node.js with configurable-http-proxy installed by
``npm ci --prefix classroom``, git, and this Python environment with jupyterhub and
nbgitpuller (``requirements-dev.txt``). Everything listens on 127.0.0.1 only.

Account names are ``initlib-<run>-<role>``, ``<run>`` four hex digits drawn per run, and
the accounts carry a marker with the process id that created them, so accounts left by a
run that was killed are recognised and removed by the next one.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import psutil
import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PROXY = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
BIN = Path(sys.executable).parent  # this environment's scripts (jupyterhub, nbgrader)
MARKER = "initlib classroom account, run by pid "
REPO_NAME = "initlib"  # the folder nbgitpuller clones into: the repository's name
BRANCH = "main"


def unavailable() -> str | None:
    """Why the classroom cannot run here (None: it can)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "needs root: it creates and removes Linux accounts"
    for tool in ("node", "npm", "git", "useradd", "userdel"):
        if shutil.which(tool) is None:
            return f"{tool} not found"
    if not PROXY.exists():
        return ("configurable-http-proxy is not installed: run "
                "`npm ci --prefix classroom` (needs the npm registry once)")
    for script in ("jupyterhub", "jupyterhub-singleuser", "nbgrader"):
        if not (BIN / script).exists():
            return f"{script} is not installed in {BIN.parent} (requirements-dev.txt)"
    try:
        import nbgitpuller  # noqa: F401
    except ImportError:
        return "nbgitpuller is not installed (requirements-dev.txt)"
    return None


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with status {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port} after {timeout:.0f} s")


def percentile(values, q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values`` by linear interpolation, NaN if empty.

    >>> percentile([1, 2, 3, 4], 50)
    2.5
    """
    xs = sorted(values)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q / 100
    i = int(k)
    j = min(i + 1, len(xs) - 1)
    return xs[i] + (xs[j] - xs[i]) * (k - i)


# --------------------------------------------------------------------------- accounts

@dataclass(frozen=True)
class Account:
    """A Linux account: name, uid, gid, home folder."""

    name: str
    uid: int
    gid: int
    home: Path

    def env(self, **extra: str) -> dict:
        """The environment of a login of this account, with this Python's scripts first
        (and this process's ``PYTHONPATH``, which the hub passes to the servers too)."""
        keep = {k: os.environ[k] for k in ("PYTHONPATH",) if k in os.environ}
        return {"HOME": str(self.home), "USER": self.name, "LOGNAME": self.name,
                "SHELL": "/bin/bash", "LANG": "C.UTF-8",
                "PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin", **keep, **extra}

    def run(self, cmd, *, cwd=None, env=None, check=True, timeout=None, **kw):
        """Run ``cmd`` as this account (uid, gid, no supplementary groups); output captured."""
        out = subprocess.run(cmd, cwd=cwd or self.home, env=env or self.env(), user=self.uid,
                             group=self.gid, extra_groups=[], capture_output=True, text=True,
                             timeout=timeout, **kw)
        if check and out.returncode:
            raise RuntimeError(f"{' '.join(map(str, cmd))} (as {self.name}) failed with status "
                               f"{out.returncode}:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
        return out

    def processes(self) -> list[psutil.Process]:
        """This account's processes now."""
        found = []
        for p in psutil.process_iter(["uids"]):
            with contextlib.suppress(psutil.Error):
                if p.info["uids"] and p.info["uids"].real == self.uid:
                    found.append(p)
        return found


def _kill(procs: list[psutil.Process], grace: float = 5.0) -> None:
    """SIGTERM these processes (by pid), then SIGKILL what is left after ``grace`` s."""
    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.terminate()
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for p in alive:
        with contextlib.suppress(psutil.Error):
            p.kill()
    psutil.wait_procs(alive, timeout=grace)


def create_account(name: str) -> Account:
    """Create the Linux account ``name`` with a home folder, marked as the classroom's."""
    with contextlib.suppress(KeyError):
        pwd.getpwnam(name)
        raise RuntimeError(f"an account called {name} exists already; not touching it")
    subprocess.run(["useradd", "--create-home", "--user-group", "--shell", "/bin/bash",
                    "--comment", f"{MARKER}{os.getpid()}", name],
                   check=True, capture_output=True, text=True)
    p = pwd.getpwnam(name)
    return Account(name, p.pw_uid, p.pw_gid, Path(p.pw_dir))


def remove_account(account: Account | str) -> None:
    """End the account's processes, then remove it, its group and its home folder."""
    name = account if isinstance(account, str) else account.name
    try:
        p = pwd.getpwnam(name)
    except KeyError:
        return
    if not p.pw_gecos.startswith(MARKER):
        raise RuntimeError(f"{name} is not a classroom account; not removing it")
    _kill(Account(name, p.pw_uid, p.pw_gid, Path(p.pw_dir)).processes())
    out = subprocess.run(["userdel", "--remove", name], capture_output=True, text=True)
    if out.returncode not in (0, 12):  # 12: the home folder could not be removed
        raise RuntimeError(f"userdel {name} failed: {out.stderr.strip()}")
    shutil.rmtree(p.pw_dir, ignore_errors=True)


def remove_stale_accounts() -> list[str]:
    """Remove the classroom accounts whose creating process is gone; returns their names."""
    stale = []
    for p in pwd.getpwall():
        if p.pw_gecos.startswith(MARKER):
            pid = int(p.pw_gecos[len(MARKER):] or 0)
            if not psutil.pid_exists(pid):
                remove_account(p.pw_name)
                stale.append(p.pw_name)
    return stale


def open_for_accounts(paths) -> list[tuple[Path, int]]:
    """Let other accounts traverse every folder above ``paths`` and the folders among
    them (add ``o+x`` where it is missing, e.g. ``/root`` above a pyenv Python).
    Returns ``[(folder, old mode)]`` for :func:`restore_modes`."""
    changed = []
    for path in (Path(p).resolve() for p in paths):
        for folder in [*reversed(path.parents), *([path] if path.is_dir() else [])]:
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH and folder not in [f for f, _ in changed]:
                os.chmod(folder, stat.S_IMODE(mode) | stat.S_IXOTH)
                changed.append((folder, stat.S_IMODE(mode)))
    return changed


def restore_modes(changed: list[tuple[Path, int]]) -> None:
    for folder, mode in reversed(changed):
        with contextlib.suppress(OSError):
            os.chmod(folder, mode)


# --------------------------------------------------------------------------- repository

class Upstream:
    """The course repository as students pull it: this checkout's files (those git tracks
    or would track: ``.gitignore`` applies) committed on branch ``main`` of a bare
    repository, owned by the teacher's account and served read-only by ``git daemon`` on
    127.0.0.1 (``git://127.0.0.1:<port>/initlib``). The notebooks served are then those
    of the library installed from this checkout, committed or not; the checkout's own
    ``.git`` is only read."""

    def __init__(self, folder: Path, owner: Account):
        self.owner = owner
        self.base = folder
        self.bare = folder / REPO_NAME
        subprocess.run(["git", "init", "--quiet", "--bare", f"--initial-branch={BRANCH}",
                        str(self.bare)], check=True)
        snapshot = {**os.environ, "GIT_DIR": str(self.bare), "GIT_WORK_TREE": str(ROOT),
                    "GIT_INDEX_FILE": str(folder.parent / "served.index")}
        subprocess.run(["git", "add", "--all", "."], cwd=ROOT, env=snapshot, check=True)
        subprocess.run(["git", "-c", "user.name=Course maintainer", "-c",
                        "user.email=maintainer@localhost", "commit", "--quiet", "-m",
                        "The course, as this checkout has it"],
                       cwd=ROOT, env=snapshot, check=True)
        subprocess.run(["chown", "-R", f"{owner.uid}:{owner.gid}", str(folder)], check=True)
        self.port = free_port()
        self.daemon = subprocess.Popen(
            ["git", "daemon", "--reuseaddr", "--listen=127.0.0.1", f"--port={self.port}",
             f"--base-path={folder}", "--export-all", str(folder)],
            cwd=folder, env=owner.env(), user=owner.uid, group=owner.gid, extra_groups=[],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, 30, self.daemon)
        self.url = f"git://127.0.0.1:{self.port}/{REPO_NAME}"

    def commit(self, edit, message: str) -> str:
        """Clone, let ``edit(work_tree: Path)`` change files, commit and push, all as the
        owner; returns the new commit's hash."""
        work = Path(tempfile.mkdtemp(prefix="update-", dir=self.owner.home))
        os.chown(work, self.owner.uid, self.owner.gid)
        git = ["git", "-c", "user.name=Course maintainer", "-c", "user.email=maintainer@localhost"]
        self.owner.run([*git, "clone", "--quiet", str(self.bare), str(work)])
        edit(work)
        subprocess.run(["chown", "-R", f"{self.owner.uid}:{self.owner.gid}", str(work)], check=True)
        self.owner.run([*git, "commit", "--quiet", "-am", message], cwd=work)
        self.owner.run([*git, "push", "--quiet", "origin", BRANCH], cwd=work)
        head = self.owner.run(["git", "rev-parse", "HEAD"], cwd=work).stdout.strip()
        shutil.rmtree(work)
        return head

    def stop(self) -> None:
        if self.daemon.poll() is None:
            _kill([psutil.Process(self.daemon.pid)])


def hub_link(repo_url: str, hub_url: str, notebook: str = "01_theory.ipynb") -> str:
    """The nbgitpuller link that the collection gives students (``python -m initlib --hub``),
    for the repository at ``repo_url``."""
    for module in ("initlib.course.catalogue", "initlib.launch"):
        with contextlib.suppress(ImportError, AttributeError):
            make = importlib.import_module(module).nbgitpuller_url
            return make(repo_url, hub_url, notebook)
    repo = urllib.parse.quote(repo_url, safe="")  # the same link, if the library moved it
    return (f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?repo={repo}"
            f"&urlpath=lab/tree/{REPO_NAME}/notebooks/{notebook}&branch={BRANCH}")


# --------------------------------------------------------------------------- the hub

class Classroom:
    """Accounts, the served repository and a running JupyterHub; a context manager.

    Parameters
    ----------
    students : int
        Number of student accounts (``initlib-<run>-s1`` ...); more can be added with
        :meth:`add_students` before the hub starts.
    log : callable
        Where progress lines go (default: print to stderr).
    threads : str
        BLAS/OpenMP threads in each student's server and kernels (``"auto"``: the
        libraries' default, a thread per core).

    Attributes: ``url`` (the hub), ``teacher`` (:class:`Account`), ``students``
    (list of :class:`Account`), ``upstream`` (:class:`Upstream`), ``exchange``
    (nbgrader's exchange folder), ``state`` (the run's folder).
    """

    def __init__(self, students: int = 3, log=None, threads: str = "1"):
        reason = unavailable()
        if reason:
            raise RuntimeError(f"the classroom cannot run here: {reason}")
        self.log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self.run_id = secrets.token_hex(2)
        self.n_students = students
        self.threads = str(threads)
        self.students: list[Account] = []
        self.teacher: Account | None = None
        self.hub: subprocess.Popen | None = None
        self.upstream: Upstream | None = None
        self._modes: list[tuple[Path, int]] = []
        self._accounts: list[Account] = []
        self._old_sigterm = None
        self.password = secrets.token_urlsafe(12)
        self.token = secrets.token_hex(24)

    def name(self, role: str) -> str:
        return f"initlib-{self.run_id}-{role}"

    # -- lifecycle

    def __enter__(self) -> Classroom:
        self._old_sigterm = signal.signal(signal.SIGTERM, _raise_exit)
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and self.hub is not None:
            self.log("the hub's log, last lines:\n" + self.hub_log_tail(8000))
        self.close()

    def _start(self) -> None:
        start = time.perf_counter()
        stale = remove_stale_accounts()
        if stale:
            self.log(f"removed {len(stale)} account(s) left by an earlier run: {stale}")
        self._modes = open_for_accounts([Path(sys.executable).resolve(), BIN, ROOT, PROXY])
        for folder, mode in self._modes:
            self.log(f"other accounts may now traverse {folder} (mode {mode:o} -> "
                     f"{mode | stat.S_IXOTH:o}) until the classroom closes")
        self.state = Path(tempfile.mkdtemp(prefix="initlib-classroom-"))
        os.chmod(self.state, 0o755)
        self.exchange = self.state / "exchange"
        self.exchange.mkdir()
        os.chmod(self.exchange, 0o1777)
        self.teacher = self._account("t1")
        self.add_students(self.n_students)
        self.upstream = Upstream(self.state / "git", self.teacher)
        self._start_hub()
        self.log(f"hub at {self.url} with {len(self.students)} students, repository at "
                 f"{self.upstream.url}, exchange {self.exchange} "
                 f"({time.perf_counter() - start:.1f} s)")

    def _account(self, role: str) -> Account:
        account = create_account(self.name(role))
        self._accounts.append(account)
        return account

    def add_students(self, n: int) -> list[Account]:
        """Create ``n`` more student accounts (before the hub starts: the hub's roster is
        read at its start)."""
        if self.hub is not None:
            raise RuntimeError("add students before the hub starts")
        new = [self._account(f"s{len(self.students) + i + 1}") for i in range(n)]
        self.students += new
        return new

    def _start_hub(self) -> None:
        port, hub_port, proxy_port = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {**os.environ,
               "PATH": f"{BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
               "INITLIB_HUB_URL": self.url,
               "INITLIB_HUB_PORTS": f"{hub_port} {proxy_port}",
               "INITLIB_HUB_STATE": str(self.state),
               "INITLIB_HUB_STUDENTS": " ".join(a.name for a in self.students),
               "INITLIB_HUB_PASSWORD": self.password,
               "INITLIB_HUB_TOKEN": self.token,
               "INITLIB_EXCHANGE_ROOT": str(self.exchange),
               "INITLIB_HUB_THREADS": self.threads}
        self.hub_log = self.state / "jupyterhub.log"
        with open(self.hub_log, "w") as log:
            self.hub = subprocess.Popen(
                [str(BIN / "jupyterhub"), "-f", str(HERE / "jupyterhub_config.py")],
                cwd=self.state, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while True:
            if self.hub.poll() is not None:
                raise RuntimeError(f"JupyterHub exited with status {self.hub.returncode}:\n"
                                   + self.hub_log_tail())
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/hub/api/", timeout=2).ok:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError("JupyterHub did not answer within 120 s:\n"
                                   + self.hub_log_tail())
            time.sleep(0.2)

    def hub_log_tail(self, chars: int = 4000) -> str:
        with contextlib.suppress(OSError):
            return self.hub_log.read_text(errors="replace")[-chars:]
        return ""

    def close(self) -> None:
        """Stop the hub (and with it every student's server), the git daemon, the
        accounts' processes; remove the accounts, their homes, and the run's folder."""
        if self.hub is not None and self.hub.poll() is None:
            self.hub.terminate()
            try:
                self.hub.wait(60)
            except subprocess.TimeoutExpired:
                _kill([psutil.Process(self.hub.pid)])
        with contextlib.suppress(OSError, ValueError, psutil.Error):  # proxy left running?
            proxy = int((self.state / "proxy.pid").read_text())
            if psutil.pid_exists(proxy) and "configurable-http-proxy" in " ".join(
                    psutil.Process(proxy).cmdline()):
                _kill([psutil.Process(proxy)])
        if self.upstream is not None:
            self.upstream.stop()
        for account in self._accounts:
            try:
                remove_account(account)
            except Exception as e:  # report, and go on removing the others
                self.log(f"could not remove {account.name}: {e}")
        self._accounts = []
        if getattr(self, "state", None) is not None:
            shutil.rmtree(self.state, ignore_errors=True)
        restore_modes(self._modes)
        self._modes = []
        if self._old_sigterm is not None:
            signal.signal(signal.SIGTERM, self._old_sigterm)
            self._old_sigterm = None

    # -- the hub's API, as the classroom service

    def api(self, method: str, path: str, **kw) -> requests.Response:
        r = requests.request(method, f"{self.url}/hub/api{path}", timeout=60,
                             headers={"Authorization": f"token {self.token}"}, **kw)
        if r.status_code >= 400:
            raise RuntimeError(f"hub API {method} {path}: {r.status_code} {r.text[:300]}")
        return r

    def student(self, account: Account) -> Student:
        return Student(self, account)

    def link(self, notebook: str = "01_theory.ipynb") -> str:
        """The nbgitpuller link of this hub and the served repository."""
        return hub_link(self.upstream.url, self.url, notebook)


def _raise_exit(signum, frame):
    raise SystemExit(128 + signum)


# --------------------------------------------------------------------------- a student

class Student:
    """What a student's browser does on the hub, over HTTP (``requests``).

    Logging in sets the hub's cookies in :attr:`browser`, the session that then follows
    the nbgitpuller link through JupyterHub's OAuth redirects like a browser; the API
    calls to the student's own server use an API token the student asks the hub for.
    """

    def __init__(self, room: Classroom, account: Account):
        self.room, self.account, self.name = room, account, account.name
        self.browser = requests.Session()
        self.token = None
        self.server = f"{room.url}/user/{self.name}"

    # -- hub

    def log_in(self) -> float:
        """Log in with the login form; then ask the hub for an API token. Seconds taken."""
        start = time.perf_counter()
        hub = f"{self.room.url}/hub"
        self.browser.get(f"{hub}/login", timeout=60).raise_for_status()
        xsrf = self.browser.cookies.get("_xsrf", path="/hub/")
        r = self.browser.post(f"{hub}/login", allow_redirects=False, timeout=120,
                              data={"username": self.name, "password": self.room.password,
                                    "_xsrf": xsrf})
        if r.status_code != 302:
            raise RuntimeError(f"login of {self.name} failed: {r.status_code}")
        # the XSRF token is bound to the login session: read the one the hub set now
        self.browser.get(f"{hub}/home", timeout=60).raise_for_status()
        xsrf = self.browser.cookies.get("_xsrf", path="/hub/")
        r = self.browser.post(f"{hub}/api/users/{self.name}/tokens", timeout=60,
                              headers={"X-XSRFToken": xsrf},
                              json={"note": "classroom check", "expires_in": 7200})
        if r.status_code != 201:
            raise RuntimeError(f"{self.name} got no token: {r.status_code} {r.text[:200]}")
        self.token = r.json()["token"]
        return time.perf_counter() - start

    def hub_api(self, method: str, path: str, **kw) -> requests.Response:
        kw.setdefault("timeout", 60)
        r = requests.request(method, f"{self.room.url}/hub/api{path}",
                             headers={"Authorization": f"token {self.token}"}, **kw)
        if r.status_code >= 400:
            raise RuntimeError(f"{self.name}: hub API {method} {path}: {r.status_code} "
                               f"{r.text[:300]}")
        return r

    def start_server(self, timeout: float = 600) -> float:
        """Start the student's server and wait until the hub reports it ready, following
        the hub's progress stream as the spawn page does. Seconds taken."""
        start = time.perf_counter()
        self.hub_api("POST", f"/users/{self.name}/server")
        with self.hub_api("GET", f"/users/{self.name}/server/progress", stream=True,
                          timeout=timeout) as r:
            for event in _sse(r):
                if event.get("failed"):
                    raise RuntimeError(f"{self.name}'s server failed to start: "
                                       f"{event.get('message')}")
                if event.get("ready"):
                    return time.perf_counter() - start
        raise RuntimeError(f"{self.name}'s server: progress stream ended before ready")

    def stop_server(self) -> None:
        self.hub_api("DELETE", f"/users/{self.name}/server", timeout=120)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if not self.hub_api("GET", f"/users/{self.name}").json()["servers"]:
                return
            time.sleep(0.5)
        raise TimeoutError(f"{self.name}'s server did not stop")

    # -- the student's server

    def api(self, method: str, path: str, **kw) -> requests.Response:
        kw.setdefault("timeout", 120)
        r = requests.request(method, f"{self.server}/{path.lstrip('/')}",
                             headers={"Authorization": f"token {self.token}"}, **kw)
        if r.status_code >= 400:
            raise RuntimeError(f"{self.name}: {method} {path}: {r.status_code} {r.text[:300]}")
        return r

    def read(self, path: str) -> dict:
        """A file of the student's home through the contents API (notebooks as JSON)."""
        return self.api("GET", f"api/contents/{urllib.parse.quote(path)}?content=1").json()

    def notebook(self, path: str) -> dict:
        return self.read(path)["content"]

    def save_notebook(self, path: str, nb: dict) -> None:
        """Save a notebook as JupyterLab does (contents API, PUT)."""
        self.api("PUT", f"api/contents/{urllib.parse.quote(path)}",
                 json={"type": "notebook", "format": "json", "content": nb})

    def listing(self, path: str) -> list[str]:
        return [e["name"] for e in self.read(path)["content"]]

    def click(self, link: str, timeout: float = 600) -> dict:
        """Follow an nbgitpuller link as a browser does: the hub's redirects and OAuth to
        the student's server, the status page, its event stream (the pull), then the
        redirect it ends with. Returns ``{"seconds", "landed", "output"}``; raises if the
        pull reports an error or the page it opens does not load."""
        start = time.perf_counter()
        r = self.browser.get(link, timeout=timeout)
        r.raise_for_status()
        if f"/user/{self.name}/git-pull" not in r.url:
            raise RuntimeError(f"{self.name}: the link led to {r.url}, not the server's "
                               "git-pull page")
        data = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', r.text))
        data = {k: urllib.parse.unquote(v) for k, v in data.items()}
        base = urllib.parse.urljoin(self.room.url, data["base-url"])
        params = {"_xsrf": data["xsrf"], "repo": data["repo"], "targetpath": data["targetpath"]}
        for key in ("depth", "branch", "backup"):
            if key in data:
                params[key] = data[key]
        output = []
        with self.browser.get(f"{base}git-pull/api", params=params, stream=True,
                              timeout=timeout) as stream:
            stream.raise_for_status()
            phase = None
            for event in _sse(stream):
                phase = event.get("phase")
                if event.get("output"):
                    output.append(event["output"])
                if phase == "error":
                    raise RuntimeError(f"{self.name}: nbgitpuller failed: "
                                       f"{event.get('message')}\n{''.join(output)[-2000:]}")
                if phase == "finished":
                    break
            if phase != "finished":
                raise RuntimeError(f"{self.name}: nbgitpuller's stream ended without finishing")
        landed = self.browser.get(base + data["path"], timeout=timeout)
        landed.raise_for_status()
        return {"seconds": time.perf_counter() - start, "landed": landed.url,
                "output": "".join(output)}

    # -- nbgrader's student side (the Assignments tab's requests)

    def assignments(self, course: str) -> list[dict]:
        out = self.api("GET", "assignments", params={"course_id": course}).json()
        if not out.get("success"):
            raise RuntimeError(f"{self.name}: listing assignments failed: {out.get('value')}")
        return out["value"]

    def _assignment_action(self, action: str, course: str, assignment: str) -> list[dict]:
        out = self.api("POST", f"assignments/{action}",
                       data={"course_id": course, "assignment_id": assignment}).json()
        if not out.get("success"):
            raise RuntimeError(f"{self.name}: {action} of {assignment} failed: "
                               f"{str(out.get('value'))[-2000:]}")
        return out["value"]

    def fetch(self, course: str, assignment: str) -> dict:
        """Fetch an assignment; returns its entry in the list (status ``fetched``)."""
        listed = self._assignment_action("fetch", course, assignment)
        entry = _entry(listed, assignment, "fetched")
        if entry is None:
            raise RuntimeError(f"{self.name}: {assignment} is not fetched after fetching")
        return entry

    def submit(self, course: str, assignment: str) -> dict:
        listed = self._assignment_action("submit", course, assignment)
        entry = _entry(listed, assignment, "submitted")
        if entry is None:
            raise RuntimeError(f"{self.name}: no submission of {assignment} listed")
        return entry

    def fetch_feedback(self, course: str, assignment: str) -> dict:
        listed = self._assignment_action("fetch_feedback", course, assignment)
        return _entry(listed, assignment, "submitted")


def _entry(listed: list[dict], assignment: str, status: str) -> dict | None:
    for entry in listed:
        if entry.get("assignment_id") == assignment and entry.get("status") == status:
            return entry
    return None


def _sse(response: requests.Response):
    """The JSON events of a server-sent-event stream."""
    for line in response.iter_lines(decode_unicode=True):
        if line and line.startswith("data:"):
            yield json.loads(line[5:])


# --------------------------------------------------------------------------- the teacher

class Teacher:
    """nbgrader's commands as the instructor's account, in the course directory ``course``
    (as in a terminal on the hub), with the hub's nbgrader settings."""

    def __init__(self, room: Classroom, course: Path):
        self.account, self.course = room.teacher, course
        threads = {} if room.threads == "auto" else {
            name: room.threads for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                            "MKL_NUM_THREADS")}
        self.env = room.teacher.env(JUPYTER_CONFIG_PATH=str(HERE / "jupyter"),
                                    INITLIB_EXCHANGE_ROOT=str(room.exchange),
                                    TF_CPP_MIN_LOG_LEVEL="3", **threads)

    def nbgrader(self, *args: str, timeout: float = 900) -> float:
        """Run ``nbgrader *args``; seconds taken. Raises with its output if it fails."""
        start = time.perf_counter()
        out = self.account.run([str(BIN / "nbgrader"), *args], cwd=self.course, env=self.env,
                               timeout=timeout, check=False)
        if out.returncode:
            raise RuntimeError(f"nbgrader {' '.join(args)} failed (status {out.returncode}):\n"
                               f"{out.stdout[-3000:]}\n{out.stderr[-5000:]}")
        return time.perf_counter() - start
