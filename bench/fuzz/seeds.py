#!/usr/bin/env python3
"""Writes the hand-made seed inputs of the @FuzzTest targets into their src/test/resources dirs.

The fuzzer starts from these (and the regression run in the normal test suite replays them with any
findings saved beside them). Run from the repository root: python3 bench/fuzz/seeds.py
"""
import json
import os
import struct

from mp import Bin, Raw, pack

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def write(module, package, test, method, name, data):
    d = os.path.join(ROOT, module, 'src/test/resources', package.replace('.', '/'), test + 'Inputs', method)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def frames():
    m = 'junkBytesGiveFramesOrWireException'
    w = lambda name, read, data: write('streams', 'cocaine.wire', 'FrameDecoderFuzzTest', m, name, bytes([read]) + data)
    w('handshake', 255, pack([1, 0, ['0d6d4e4a-uuid'], []]))
    w('invoke-with-literal-headers', 7, pack([2, 0, ['ping'], [[False, 'trace_id', Bin(b'\x01' * 8)],
                                                             [True, Bin(b'request_timeout'), Bin(struct.pack('<Q', 100))]]]))
    w('indexed-headers', 3, pack([3, 0, ['x'], [[True, 'a', 'b'], 83, 80, [False, 81, Bin(b'\0' * 8)]]]))
    w('error-frame', 0, pack([2, 1, [[10, 1], 'service is not available']]))
    w('error-frame-text-code', 0, pack([2, 1, [['x', 1], 'text']]))
    w('two-frames-one-read', 255, pack([1, 0, []]) + pack([1, 1, []]))
    w('nil-headers', 1, pack([4, 2, [], None]))
    w('negative-channel', 8, pack([-1, 0, []]))
    w('huge-channel', 8, Raw(b'\x93\xcf' + b'\xff' * 8 + b'\x00\x90'))
    w('oversize-str32', 16, b'\x93\x01\x00\x91\xdb\x7f\xff\xff\xff' + b'a' * 64)
    w('deep-nesting', 64, b'\x91' * 300)
    w('invalid-c1', 1, b'\x93\x01\x00\xc1')
    w('header-index-out-of-table', 4, pack([1, 0, [], [200]]))
    w('float-args', 4, pack([5, 0, [1.5, True, None, {'k': [1, 2]}]]))


def services():
    def svc(module, package, test, name, method, args):
        write(module, package, test, 'anyArgumentsGetAReplyNotAnException', name, bytes([method]) + pack(args))
    s = lambda *a: svc('actors', 'cocaine.storage', 'StorageServiceFuzzTest', *a)
    s('read', 0, ['apps', 'echo'])
    s('write', 1, ['apps', 'echo', Bin(b'\x81\xa4slave\xa4echo'), ['app']])
    s('write-no-tags', 1, ['apps', 'echo', 'blob'])
    s('remove', 2, ['apps', 'echo'])
    s('find', 3, ['apps', ['app']])
    s('find-one-arg', 3, ['apps'])
    s('write-int-key', 1, ['apps', 7, 'blob'])
    write('actors', 'cocaine.storage', 'StorageServiceFuzzTest', 'anyArgumentsGetAReplyNotAnException',
          'huge-declared-map', b'\x03\x91\xdf\x34\x07\x70\x70\x73')
    l = lambda *a: svc('actors', 'cocaine.locator', 'LocatorServiceFuzzTest', *a)
    l('resolve', 0, ['storage'])
    l('resolve-seeded', 0, ['echo', 'seed'])
    l('connect', 1, ['node-uuid'])
    l('refresh', 2, [['group']])
    l('refresh-0.11', 2, ['group'])
    l('cluster', 3, [])
    l('publish', 4, ['svc', [['127.0.0.1', 10053]]])
    l('publish-graph', 4, ['svc', [['::1', 1]], [1, {0: ['ping', {}, {0: ['value', {}], 1: ['error', {}]}],
                                                   1: ['stream', None, {0: ['write', None]}]}]])
    l('publish-big-port', 4, ['svc', [['h', 2 ** 64 - 1]]])
    l('publish-big-version', 4, ['svc', [['h', 1]], [2 ** 40, {}]])
    l('publish-big-method-id', 4, ['svc', [['h', 1]], [1, {2 ** 40: ['m', {}, {}]}]])
    l('routing', 5, ['proxy-1'])


def announces():
    a = lambda name, data: write('actors', 'cocaine.cluster', 'AnnounceFuzzTest', 'datagramIsAnAnnounceOrRefusedClearly', name, data)
    a('announce', pack(['6ba7b810-9dad-11d1-80b4-00c04fd430c8', [['10.0.0.1', 10053], ['fe80::1', 10053]]]))
    a('port-zero', pack(['n', [['h', 0]]]))
    a('port-too-big', pack(['n', [['h', 2 ** 64 - 1]]]))
    a('no-endpoints', pack(['n', []]))
    a('trailing-bytes', pack(['n', [['h', 1]]]) + b'\x00')
    a('huge-declared-array', b'\xdd\x7f\xff\xff\xff')
    a('binary-uuid', pack([Bin(b'\xff\xfe'), [['h', 1]]]))


def http_chunks():
    h = lambda name, data: write('framework', 'cocaine.worker', 'HttpRequestFuzzTest', 'headChunkIsARequestOrA400', name, data)
    h('get', pack(['GET', '/a/b?x=1', '1.1', [['Host', 'example.org'], ['Content-Length', '0']], '']))
    h('post-body-follows', pack(['POST', '/', '1.1', [['Transfer-Encoding', 'chunked']], None]))
    h('bad-content-length', pack(['POST', '/', '1.0', [['Content-Length', '-99999999999999999999']], '']))
    h('header-not-pair', pack(['GET', '/', '1.1', [['Host']], '']))
    h('int-method', pack([1, '/', '1.1', [], '']))
    h('four-parts', pack(['GET', '/', 'HTTP/1.1', []]))
    h('not-msgpack', b'\xc1\xc1')
    h('huge-declared-map', b'\xdf\x34\x07\x70\x70\x73')
    h('trailing-bytes', pack(['GET', '/', '1.1', [], '']) + b'\x00')


def models():
    def m(method, name, doc):
        write('config', 'cocaine.model', 'ModelFuzzTest', method, name, json.dumps(doc) if not isinstance(doc, bytes) else doc)
    m('manifestIsReadOrRefusedClearly', 'process', {'slave': 'echo.sh', 'environment': {'A': 'b'}})
    m('manifestIsReadOrRefusedClearly', 'docker', {'slave': '/app/run', 'isolate': {'type': 'docker', 'args': {'image': 'x'}}})
    m('manifestIsReadOrRefusedClearly', 'slave-number', {'slave': 7})
    m('manifestIsReadOrRefusedClearly', 'unknown-key', {'slave': 'a', 'bogus': True})
    m('profileIsReadOrRefusedClearly', 'limits', {'pool-limit': 4, 'queue-limit': 10, 'concurrency': 2,
                                                  'timeout': {'spawn': 5, 'heartbeat': 30}})
    m('profileIsReadOrRefusedClearly', 'huge-numbers', {'pool-limit': 1e300, 'queue-limit': 2 ** 70})
    m('profileIsReadOrRefusedClearly', 'negative', {'pool-limit': -1, 'grow-threshold': -5})
    m('profileIsReadOrRefusedClearly', 'isolate', {'isolate': {'type': 'docker', 'args': {'cap_add': ['NET_ADMIN']}}})
    m('routingGroupIsReadOrRefusedClearly', 'weights', {'echo-v1': 1, 'echo-v2': 3})
    m('routingGroupIsReadOrRefusedClearly', 'zero-and-float', {'a': 0, 'b': 0.5, 'c': '1'})
    m('runlistIsReadOrRefusedClearly', 'apps', {'echo': 'default', 'http': 'tight'})
    m('runlistIsReadOrRefusedClearly', 'not-strings', {'echo': ['default'], 'x': None})
    m('manifestIsReadOrRefusedClearly', 'not-json', b'{"slave": ')


if __name__ == '__main__':
    frames()
    services()
    announces()
    http_chunks()
    models()
