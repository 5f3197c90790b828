"""JupyterHub for a class on one machine: the hub that ``classroom/hub.py`` starts and tests.

Students log in, each gets a Jupyter server running as their own Linux account
(JupyterHub's ``LocalProcessSpawner``), and configurable-http-proxy, installed from npm
into ``classroom/node_modules`` (``npm ci --prefix classroom``), routes the traffic.

What the classroom scripts set through environment variables (all optional; the defaults
are those of a hub on one server):

========================  =================================================  ================
variable                  meaning                                            default
========================  =================================================  ================
INITLIB_HUB_URL           the public address of the hub                      http://127.0.0.1:8000
INITLIB_HUB_PORTS         ports of the hub's API and the proxy's API         8081 8001
INITLIB_HUB_STATE         folder for the hub's database and cookie secret    /srv/initlib-hub
INITLIB_HUB_STUDENTS      user names allowed to log in, space-separated      (none)
INITLIB_HUB_PASSWORD      the shared password (8 characters or more)         (none: no login)
INITLIB_HUB_TOKEN         API token of the ``classroom`` service             (no service)
INITLIB_EXCHANGE_ROOT     nbgrader's exchange, for the students' servers     /srv/nbgrader/exchange
INITLIB_HUB_THREADS       BLAS/OpenMP threads per student ("auto": default)  1
========================  =================================================  ================

The settings a real class changes are marked **Real class** below and listed in
``classroom/README.md``.
"""

import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821  (defined by the loader of this file)

HERE = Path(__file__).resolve().parent
env = os.environ.get
state = Path(env("INITLIB_HUB_STATE", "/srv/initlib-hub"))
hub_api_port, proxy_api_port = env("INITLIB_HUB_PORTS", "8081 8001").split()

# -- Network: everything on the loopback interface. Real class: bind_url on the server's
# public address behind HTTPS (``c.JupyterHub.ssl_cert``/``ssl_key``, or a reverse proxy).
c.JupyterHub.bind_url = env("INITLIB_HUB_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{hub_api_port}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{proxy_api_port}"
c.ConfigurableHTTPProxy.command = [str(HERE / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every student's server

# -- Who may log in: the students on the roster, with one shared password (JupyterHub's
# built-in SharedPasswordAuthenticator, meant for short workshops and tests).
# Real class: the institution's accounts, e.g. ``c.JupyterHub.authenticator_class =
# "github"`` (or "google", "azuread", "generic-oauth") from the oauthenticator package,
# LTI from the learning-management system (jupyterhub-ltiauthenticator), or Linux
# passwords with "pam" (JupyterHub's default); keep ``allowed_users`` (or an OAuth
# organisation/group) as the roster and name the teachers in ``admin_users``.
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = env("INITLIB_HUB_PASSWORD") or None
c.Authenticator.allowed_users = set(env("INITLIB_HUB_STUDENTS", "").split())

# -- Each student's server runs as that student's Linux account, in their home folder,
# from the same Python environment as the hub (which must be readable by every account).
# Real class: create the accounts with the roster (``c.LocalAuthenticator.create_system_users``
# with a local authenticator, or The Littlest JupyterHub, which does it at first login),
# or run each server in a container (DockerSpawner, or Zero to JupyterHub's KubeSpawner:
# see classroom/config.yaml) to get memory and CPU limits, which LocalProcessSpawner
# does not enforce.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(Path(sys.executable).with_name("jupyterhub-singleuser"))]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {
    # nbgrader's exchange and the students' server settings (classroom/jupyter/)
    "JUPYTER_CONFIG_PATH": str(HERE / "jupyter"),
    "INITLIB_EXCHANGE_ROOT": env("INITLIB_EXCHANGE_ROOT", "/srv/nbgrader/exchange"),
    "TF_CPP_MIN_LOG_LEVEL": "3",
}
# One BLAS/OpenMP thread per student. NumPy's OpenBLAS otherwise starts a thread per core
# in every kernel, and on a machine shared by a class those threads spin while they wait
# for a core: notebook 01 took 3 times the CPU time with the default threads as with one
# on a busy 2-core machine (see classroom/README.md). "auto" keeps the libraries' default.
threads = env("INITLIB_HUB_THREADS", "1")
if threads != "auto":
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        c.Spawner.environment[name] = threads
# A whole class logging in at the start of a lecture starts every server at once; on a
# small machine a server then needs far longer than JupyterHub's defaults (30 s to
# answer, 60 s to start) allow.
c.Spawner.http_timeout = 180
c.Spawner.start_timeout = 300

# -- The classroom scripts' own access: a service that may start, stop and inspect
# servers and hand out tokens. Real class: not needed (or an idle culler:
# jupyterhub-idle-culler, with the scopes it documents).
if env("INITLIB_HUB_TOKEN"):
    c.JupyterHub.services = [{"name": "classroom", "api_token": env("INITLIB_HUB_TOKEN")}]
    c.JupyterHub.load_roles = [{
        "name": "classroom",
        "scopes": ["admin:users", "admin:servers", "tokens", "read:hub"],
        "services": ["classroom"],
    }]
