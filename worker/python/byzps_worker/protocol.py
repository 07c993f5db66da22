"""The byzps.v1 gRPC stubs, generated from the repository's proto/ with grpc_tools the first time
they are needed and cached by the hash of the .proto files, so they never go stale."""
import hashlib
import importlib
import os
import shutil
import sys
import tempfile

PROTO_FILES = ('byzps/v1/parameter_server.proto', 'byzps/v1/control.proto')


def find_proto_dir():
    """BYZPS_PROTO_DIR, or the proto/ folder of the byzps checkout this package sits in."""
    configured = os.environ.get('BYZPS_PROTO_DIR')
    if configured:
        return configured
    here = os.path.dirname(os.path.abspath(__file__))
    while True:
        candidate = os.path.join(here, 'proto')
        if os.path.exists(os.path.join(candidate, PROTO_FILES[0])):
            return candidate
        parent = os.path.dirname(here)
        if parent == here:
            raise FileNotFoundError('byzps_worker: no proto/byzps/v1/parameter_server.proto above this package; set BYZPS_PROTO_DIR to the byzps proto/ folder')
        here = parent


def _generate(proto_dir, out):
    from grpc_tools import protoc
    include = os.path.join(os.path.dirname(protoc.__file__), '_proto')
    args = ['grpc_tools.protoc', f'-I{proto_dir}', f'-I{include}', f'--python_out={out}', f'--grpc_python_out={out}', *PROTO_FILES]
    if protoc.main(args) != 0:
        raise RuntimeError(f'byzps_worker: grpc_tools.protoc failed on {proto_dir}')


_loaded = None


def stubs(proto_dir=None):
    """(messages, services) modules of byzps.v1.ParameterServer, generated on first use."""
    global _loaded
    if _loaded is not None:
        return _loaded
    proto_dir = proto_dir or find_proto_dir()
    digest = hashlib.sha256()
    for name in PROTO_FILES:
        with open(os.path.join(proto_dir, name), 'rb') as file:
            digest.update(file.read())
    cache_root = os.environ.get('BYZPS_STUBS_DIR') or os.path.join(tempfile.gettempdir(), f'byzps-stubs-{os.getuid()}')
    cache = os.path.join(cache_root, digest.hexdigest()[:16])
    if not os.path.exists(os.path.join(cache, 'byzps', 'v1', 'parameter_server_pb2_grpc.py')):
        os.makedirs(cache_root, exist_ok=True)
        staging = tempfile.mkdtemp(dir=cache_root)
        try:
            _generate(proto_dir, staging)
            try:
                os.rename(staging, cache)  # atomic: concurrent processes generate, one wins
            except OSError:
                pass
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    if cache not in sys.path:
        sys.path.insert(0, cache)
    messages = importlib.import_module('byzps.v1.parameter_server_pb2')
    services = importlib.import_module('byzps.v1.parameter_server_pb2_grpc')
    _loaded = (messages, services)
    return _loaded
