#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A minimal client of the Kubernetes CRI (runtime.v1.RuntimeService), for the tests.

    cri-client.py SOCKET run NAME IMAGE ARG...   a pod sandbox (host network, its own PID namespace)
                                                 and one container running ARG..., started;
                                                 prints "POD_ID CONTAINER_ID"
    cri-client.py SOCKET rmpod POD_ID            stop and remove the pod sandbox

No crictl in Debian 12: grpcio (python3-grpcio) with the few messages hand-encoded in protobuf's
wire format (field numbers from the cri-api's api.proto). Runs Debian's /usr/bin/python3.
"""
import sys

import grpc


def varint(n):
    out = b''
    while True:
        b, n = n & 0x7f, n >> 7
        if not n:
            return out + bytes([b])
        out += bytes([b | 0x80])


def field(num, value):
    """A varint (int) or length-delimited (str, bytes) field."""
    if isinstance(value, int):
        return varint(num << 3) + varint(value)
    if isinstance(value, str):
        value = value.encode()
    return varint(num << 3 | 2) + varint(len(value)) + value


def fields(buf):
    """The top-level length-delimited fields of a message: {number: [bytes, ...]}."""
    i, out = 0, {}

    def rd():
        nonlocal i
        v = s = 0
        while True:
            b = buf[i]
            i += 1
            v |= (b & 0x7f) << s
            s += 7
            if not b & 0x80:
                return v
    while i < len(buf):
        k = rd()
        num, wire = k >> 3, k & 7
        if wire == 0:
            v = rd()
        elif wire == 2:
            n = rd()
            v, i = buf[i:i + n], i + n
        elif wire == 1:
            v, i = buf[i:i + 8], i + 8
        elif wire == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError('wire type %d' % wire)
        out.setdefault(num, []).append(v)
    return out


def main():
    sock, cmd = sys.argv[1], sys.argv[2]
    channel = grpc.insecure_channel('unix://' + sock)

    def call(method, req):
        f = channel.unary_unary('/runtime.v1.RuntimeService/' + method,
                                request_serializer=lambda x: x, response_deserializer=lambda x: x)
        return fields(f(req, timeout=120))

    if cmd == 'run':
        name, image, argv = sys.argv[3], sys.argv[4], sys.argv[5:]
        # PodSandboxConfig: metadata (name, uid, namespace, attempt), log_directory, linux:
        # security_context.namespace_options: network NODE (2, no CNI needed), pid CONTAINER (1).
        # No hostname: a host-network pod shares the host's UTS namespace.
        meta = field(1, name) + field(2, name + '-uid') + field(3, 'default') + field(4, 0)
        linux = field(2, field(1, field(1, 2) + field(2, 1)))
        sandbox = field(1, meta) + field(3, '/tmp') + field(8, linux)
        pod = call('RunPodSandbox', field(1, sandbox))[1][0].decode()
        # ContainerConfig: metadata (name), image, command, log_path.
        cc = field(1, field(1, name + '-c')) + field(2, field(1, image)) + \
            b''.join(field(3, a) for a in argv) + field(11, name + '-c.log')
        cid = call('CreateContainer', field(1, pod) + field(2, cc) + field(3, sandbox))[1][0].decode()
        call('StartContainer', field(1, cid))
        print(pod, cid)
    elif cmd == 'rmpod':
        call('StopPodSandbox', field(1, sys.argv[3]))
        call('RemovePodSandbox', field(1, sys.argv[3]))
    else:
        sys.exit('cri-client.py: unknown command ' + cmd)


if __name__ == '__main__':
    main()
