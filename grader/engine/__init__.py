"""One Docker Engine (or Podman's Docker-compatible API) for the length of a grading run.

connection.py connects and explains failures; api.py is the memoised read API; probes.py the
grader's own short-lived containers and their journal (journal.py); protocol.py what check kinds
may call. The docker SDK is imported nowhere else in the grader.
"""
from .api import DEFAULT_TIMEOUT, LOG_HEAD, Containers, Engine, _portable_container
from .connection import _default_port, _engine_address, connect, default_addresses, explain_connect_failure
from .errors import OBJECT_FAULTS, EngineError, EngineUnavailable, ObjectError
from .probes import LOG_TAIL, PROBE_LABEL, RUN_LABEL, STARTED_LABEL
from .protocol import ANY_IP, FILE_CAP, PROBE_OUTPUT, Candidates, EngineProtocol, FileRead, ProbeResult

__all__ = ["ANY_IP", "DEFAULT_TIMEOUT", "FILE_CAP", "LOG_HEAD", "LOG_TAIL", "OBJECT_FAULTS", "PROBE_LABEL",
           "PROBE_OUTPUT", "RUN_LABEL", "STARTED_LABEL", "Candidates", "Containers", "Engine", "EngineError",
           "EngineProtocol",
           "EngineUnavailable", "FileRead", "ObjectError", "ProbeResult", "_default_port", "_engine_address",
           "_portable_container", "connect", "default_addresses", "explain_connect_failure"]
