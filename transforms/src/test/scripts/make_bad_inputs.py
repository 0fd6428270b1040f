#!/usr/bin/env python3
"""Writes the bad-input corpus: transforms/src/test/resources/bad-inputs/<kind>/*.jsonl and
dead-letters.tsv (one row per bad line: position, step, part of the error, case name).

The data files are what the tests read; this script is how they were made (some lines hold bytes
no editor keeps: invalid UTF-8, NUL, a BOM). Lines not in dead-letters.tsv are good lines and must
become rows. Known PII plaintexts are in PII below (and in BadInputCorpus.java)."""
import json, os, sys

ROOT = os.path.join(os.path.dirname(__file__), '..', 'resources', 'bad-inputs')
PII = ['203.0.113.99', 'corpus.pii@example.com', 'Corpusname', '+4915112345678']
T = '2024-03-01T10:00:00Z'
MAX_ALNUM = 'T' + 'x' * 62 + '9'          # 64 characters
MAX_ESCAPED = 'a' + '.' * 63               # 64 characters, each '.' escaped %2E by ClickHouse

files = {}      # (kind, file) -> list of bytes lines
manifest = []   # (position, step, error, case)

def d(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(',', ':')).encode('utf-8')

def add(kind, line, case, step=None, error=None, file='cases.jsonl'):
    lines = files.setdefault((kind, file), [])
    lines.append(line if isinstance(line, bytes) else (line.encode('utf-8') if isinstance(line, str) else d(line)))
    if step:
        manifest.append((f'{kind}/{file}:{len(lines)}', step, error, case))

# What a string holding half a UTF-16 surrogate pair (a JSON escape without its other half) gets.
HALF_SURROGATE = ('a string holds half a UTF-16 surrogate pair (an escape of D800-DFFF without its'
                  ' other half): not text')

def order(oid, tenant='corpus-good', **over):
    o = {'orderId': oid, 'hostname': tenant, 'status': 'invoiced', 'value': 100, 'lastChange': T,
         'isCompleted': True,
         'clientProfileData': {'email': PII[1], 'firstName': PII[2], 'phone': PII[3]},
         'items': [{'uniqueId': oid + '-i1', 'id': '1', 'price': 100, 'quantity': 1}]}
    o.update(over)
    return o

def entity(eid, tenant='corpus-good', op='createEntity', **over):
    detail = {'entity': eid, 'org': tenant, 'activity_id': 'act-' + eid, 'operation': op,
              'params': {'id': eid, 'slug': 'contact'},
              'payload': {'_id': eid, '_schema': 'contact', 'first_name': PII[2],
                          'email': [{'email': PII[1]}], 'phone': [{'phone': PII[3]}]}}
    detail.update(over.pop('detail_over', {}))
    e = {'id': 'evt-' + eid, 'detail-type': 'EntityOperation', 'source': 'epilot', 'account': '1',
         'time': T, 'region': 'eu-central-1', 'detail': detail}
    e.update(over)
    return e

def execution(xid, tenant='corpus-good', **over):
    x = {'id': xid, 'org_id': tenant, 'name': 'Flow', 'status': 'STARTED', 'created_at': '2024-03-01T09:00:00Z',
         'updated_at': T, 'assigned_to': ['u1'],
         'phases': [{'id': 'ph1', 'name': 'P', 'status': 'OPEN'}], 'tasks': [],
         'contexts': [{'entity_id': 'e1', 'entity_schema': 'opportunity', 'is_primary': True, 'email': PII[1]}]}
    x.update(over)
    return x

def analytics(kind, rid, tenant='corpus-good', **over):
    r = {'id': rid, 'org_id': tenant, 'session_id': 's-' + rid, 'type': 'journey_submit',
         'details': json.dumps({'ip': PII[0], 'email': PII[1], 'step': 3})}
    if kind.startswith('journey'):
        r['journey_id'] = 'j-1'
    else:
        r['app_name'] = 'portal'
    if kind.endswith('sessions'):
        r.update({'start_time': T, 'end_time': '2024-03-01T10:05:00Z', 'last_updated_at': '2024-03-01T10:05:00Z'})
    else:
        r['created_at'] = T
    r.update(over)
    return r

def nested(depth, leaf='x'):
    """An array nesting `depth` levels: [[...["x"]...]]."""
    return '[' * depth + json.dumps(leaf) + ']' * depth

# ---------------------------------------------------------------- checkout-orders
K = 'checkout-orders'
add(K, order('good-co-1'), 'good: typed order with PII')
add(K, order('good-co-2', tenant='  corpus-good  '), 'good: tenant with surrounding spaces (stripped)')
raw = order('good-co-3')
raw['clientProfileData'] = json.dumps(raw['clientProfileData'])
raw['items'] = json.dumps(raw['items'])
raw['value'] = '100'
add(K, raw, 'good: raw form, parts as stringified JSON')
add(K, b'\xef\xbb\xbf' + d(order('good-co-4')), 'good: a UTF-8 BOM before the line is ignored')
add(K, order('good-co-5', tenant=MAX_ALNUM), 'good: 64-character tenant')
add(K, '{"orderId": "x", "clientProfileData": {"email": "corpus.pii@example.com', 'syntax: truncated, PII inside',
    'parse', 'invalid JSON: unexpected end of input')
add(K, '{"orderId": "x", "hostname": "corpus-good",}', 'syntax: trailing comma', 'parse', 'invalid JSON')
add(K, "{'orderId': 'x'}", 'syntax: single quotes', 'parse', 'invalid JSON: unexpected character')
add(K, '{"orderId": "a"} {"orderId": "b"}', 'syntax: two documents', 'parse', 'more than one JSON document')
add(K, '[1, 2]', 'syntax: an array, not an object', 'parse', 'expected a JSON object, got array')
add(K, '"just a string"', 'syntax: a string, not an object', 'parse', 'expected a JSON object, got string')
add(K, '42', 'syntax: a number, not an object', 'parse', 'expected a JSON object, got number')
add(K, 'null', 'syntax: null', 'parse', 'expected a JSON object, got null')
add(K, '', 'syntax: empty line', 'parse', 'empty line')
add(K, '   \t ', 'syntax: white space only', 'parse', 'empty line')
add(K, '{orderId: "x"}', 'syntax: unquoted key', 'parse', 'invalid JSON: unexpected character')
add(K, '{"orderId": "x"}}', 'syntax: unbalanced close', 'parse', 'invalid JSON')
add(K, '// a comment', 'syntax: comment', 'parse', 'invalid JSON: unexpected character')
add(K, '{"orderId": "x", "value": NaN}', 'syntax: NaN', 'parse', 'invalid JSON')
add(K, '{"orderId": "x", "value": 012}', 'syntax: leading zero', 'parse', 'invalid JSON')
add(K, '{"orderId": "x\\q"}', 'syntax: invalid escape', 'parse', 'invalid JSON')
add(K, '{"orderId": "\\u12G4"}', 'syntax: bad unicode escape', 'parse', 'invalid JSON')
add(K, order('bad-co-type-1', value='eleven'), 'types: string for an integer', 'type',
    'checkout_orders.value: expected an integer, got a string that is not one')
add(K, order('bad-co-type-2', value=1.5), 'types: fraction for an integer', 'type',
    'checkout_orders.value: expected an integer, got a number that is not one')
add(K, order('bad-co-type-3', isCompleted='maybe'), 'types: not a boolean', 'type',
    'checkout_orders.isCompleted: expected a boolean, got a string')
add(K, order('bad-co-type-4', items=5), 'types: items a number', 'parse', 'items is not an array')
add(K, order('bad-co-type-5', items=['x']), 'types: an item not an object', 'parse', 'items[0] is not an object')
add(K, order('bad-co-type-6', clientProfileData=[1, 2]), 'types: object expected, array given', 'type',
    'checkout_orders.clientProfileData: expected an object, got an array')
add(K, order('bad-co-type-7', value=99999999999999999999999), 'types: integer out of range', 'type',
    'checkout_orders.value: integer out of range')
add(K, order('bad-co-type-8', value=1e300 * 10), 'types: number overflowing to infinity', 'type',
    'checkout_orders.value: expected an integer')
add(K, order('bad-co-time-1', lastChange='yesterday'), 'times: not a timestamp', 'parse',
    'lastChange is not an ISO-8601 timestamp')
add(K, order('bad-co-time-2', lastChange='2024-02-30T00:00:00Z'), 'times: 30 February', 'parse',
    'lastChange is not an ISO-8601 timestamp')
add(K, order('bad-co-time-3', lastChange='2024-13-01T00:00:00Z'), 'times: month 13', 'parse',
    'lastChange is not an ISO-8601 timestamp')
add(K, order('bad-co-time-4', lastChange='-0001-01-01T00:00:00Z'), 'times: before year 1', 'parse',
    'lastChange is outside the years 1-9999')
add(K, order('bad-co-time-5', lastChange=''), 'times: empty', 'parse', 'empty lastChange')
o = order('bad-co-time-6'); del o['lastChange']
add(K, o, 'times: missing', 'parse', 'missing lastChange')
o = order('bad-co-id'); del o['orderId']
add(K, o, 'structure: missing orderId', 'parse', 'missing orderId')
add(K, order('bad-co-tenant-1', tenant='../../../../tmp/escaped'), 'tenants: path traversal', 'parse',
    'hostname is not a valid tenant id: only ASCII letters')
add(K, order('bad-co-tenant-2', tenant="x'; DROP TABLE checkout_orders; --"), 'tenants: SQL injection', 'parse',
    'hostname is not a valid tenant id: only ASCII letters')
add(K, order('bad-co-tenant-3', tenant='t' * 5000), 'tenants: 5,000 characters', 'parse',
    'hostname is not a valid tenant id: 5000 characters, at most 64')
add(K, order('bad-co-tenant-4', tenant=MAX_ALNUM + 'x'), 'tenants: 65 characters', 'parse',
    'hostname is not a valid tenant id: 65 characters, at most 64')
add(K, d(order('bad-co-enc-1')).replace(b'"invoiced"', b'"inv\xffoiced"'), 'encodings: invalid UTF-8 byte',
    'parse', 'invalid JSON: invalid UTF-8')
add(K, d(order('bad-co-enc-2')).replace(b'"corpus-good"', b'"corpus-g\xfcod"'), 'encodings: Latin-1 in tenant',
    'parse', 'invalid JSON: invalid UTF-8')
# Jackson decodes an overlong 2-byte form leniently; every output is written as canonical UTF-8,
# and tenants are ASCII only, so an overlong '/' cannot smuggle a path separator into a tenant.
add(K, d(order('good-co-6')).replace(b'"invoiced"', b'"inv\xc0\xafoiced"'), 'good: overlong UTF-8 in a value')
add(K, d(order('bad-co-enc-3')).replace(b'"corpus-good"', b'"corpus\xc0\xafgood"'), 'encodings: overlong UTF-8 / in tenant',
    'parse', 'hostname is not a valid tenant id: only ASCII letters')
add(K, d(order('bad-co-enc-4')).replace(b'"invoiced"', b'"invoiced\xe2\x82"'), 'encodings: truncated UTF-8',
    'parse', 'invalid JSON: invalid UTF-8')
add(K, d(order('bad-co-enc-5')).replace(b'"invoiced"', b'"invo\x00iced"'), 'encodings: raw NUL in a string',
    'parse', 'invalid JSON: unescaped control character')
add(K, d(order('bad-co-enc-6')).replace(b'"status"', b'\x00"status"'), 'encodings: raw NUL between tokens',
    'parse', 'invalid JSON: control character outside a string')
add(K, d(order('bad-co-enc-7')).replace(b'"status"', b'\xef\xbb\xbf"status"'), 'encodings: BOM inside the line',
    'parse', 'invalid JSON')
add(K, d(order('bad-co-enc-8')).replace(b'"invoiced"', b'"inv\toiced"'), 'encodings: raw tab in a string',
    'parse', 'invalid JSON: unescaped control character')
add(K, order('bad-co-size-1', items=[{}] * 10001), 'sizes: 10,001 items', 'parse', 'items has more than 10000 elements')
add(K, '{"orderId": "bad-co-size-2", "value": ' + '9' * 1001 + '}', 'sizes: 1,001-digit number', 'parse',
    'a number longer than 1000 characters')
add(K, order('bad-co-size-3', value='9' * 1001), 'sizes: 1,001-digit numeric string', 'type',
    'checkout_orders.value: a numeric string longer than 1000 characters')
add(K, d(order('bad-co-size-4', lastMessage='x' * 70000)), 'sizes: line over --maxRecordBytes', 'read',
    'exceeds --maxRecordBytes')
add(K, order('bad-co-nest-1', customApps=json.loads(nested(70))), 'nesting: 70 levels', 'parse',
    'nested deeper than 64 levels')
add(K, '{"orderId": "bad-co-nest-2", "x": ' + '[' * 20000 + ']' * 20000 + '}', 'nesting: 20,000 levels', 'parse',
    'nested deeper than 64 levels')
add(K, order('good-co-7', corpusExtra=json.dumps({'a': json.loads(nested(62))})),
    'good: exactly 64 levels, 63 of them inside a JSON string')
add(K, order('good-co-8', invoicedDate='', authorizedDate='  ', value=''),
    'good: dates not set yet and a value given as blank strings (null)')
add(K, order('good-co-9', lastChange='2024-03-01T10:00:00.000+0000', isCompleted='1'),
    'good: an offset without its colon (+0000), a flag given as "1"')
add(K, '{"orderId": "bad-co-dup-1", "hostname": "corpus-good", "hostname": "other-tenant", '
       '"lastChange": "2024-03-01T10:00:00Z"}',
    'structure: the tenant key twice', 'parse', 'invalid JSON: a key given twice in one object')
add(K, order('bad-co-null-1', marketingData={'marketingTags': [None, 't']}),
    'structure: a null element in a list column', 'type',
    'checkout_orders.marketingData.marketingTags[0]: a list element without a value (null or blank)')
add(K, order('bad-co-nest-3', corpusExtra=json.dumps({'a': json.loads(nested(63))})),
    'nesting: 65 levels, 64 of them inside a JSON string', 'parse', 'nested deeper than 64 levels')
# Published shapes the probe of 2026-12-06 found mishandled: the Orders API's list and search
# summaries (orderId, hostname and lastChange, the shopper under clientName and clientEmail) were
# read as orders; a name starting with a bracket was read as JSON ("[2] ..." became [2]).
add(K, {'orderId': 'bad-co-list-1', 'hostname': 'corpus-good', 'lastChange': T, 'clientName': PII[2],
        'clientEmail': PII[1], 'totalValue': 100, 'totalItems': 1, 'status': 'invoiced'},
    'structure: an order search result, not an order', 'parse',
    'a VTEX order list or search item (totalValue, no totals)')
add(K, order('good-co-10', items=[{'uniqueId': 'good-co-10-i1', 'id': '1', 'price': 100, 'quantity': 1,
                                   'name': '[2] Camiseta Azul M'}],
             lastMessage=json.dumps({'Pedido': 1, 'email': PII[1]}),
             invoicedDate='0001-01-01T00:00:00+03:00'),
    'good: an item named "[2] ...", JSON text in a string column, .NET "not set" east of UTC')
bp = order('bad-co-pii-1')
bp['clientProfileData'] = '{"email": "corpus.pii@example.com", "firstName": "Corpusname", '
add(K, bp, 'PII in broken stringified JSON (encrypted whole, then not an object)', 'type',
    'checkout_orders.clientProfileData: expected an object, got a string that is not one')
# An item's uniqueId is its key in checkout_order_items: without it the warehouse refused the row
# after the lake took it, and blank ones merged there.
add(K, order('bad-co-key-1', items=[{'id': '1', 'price': 100, 'quantity': 1}]),
    'keys: an item without uniqueId', 'parse', 'missing items[0].uniqueId')
add(K, order('bad-co-key-2', items=[{'uniqueId': 'bad-co-key-2-i1', 'id': '1'}, {'uniqueId': ' ', 'id': '2'}]),
    'keys: an item with a blank uniqueId', 'parse', 'empty items[1].uniqueId')
co = order('bad-co-shape-1', state='order-created'); co['hostName'] = co.pop('hostname'); del co['status']
add(K, co, 'structure: an order as the Checkout API placed it (hostName)', 'parse',
    'a VTEX Checkout API order as placed (hostName, not hostname), not an order')
# A list response on one line (VTEX's orders feed, GET /api/orders/feed, is an array of items).
add(K, [{'eventId': 'ev-1', 'handle': 'h-1', 'orderId': 'bad-co-list-1', 'state': 'invoiced',
         'lastState': 'ready-for-handling', 'lastChange': T, 'currentChange': T}] * 2,
    'structure: a list response (the orders feed) on one line', 'parse',
    'expected a JSON object, got an array of 2 objects (one record per line: a list is not a record)')

# ---------------------------------------------------------------- entity-operations
K = 'entity-operations'
add(K, entity('good-eo-1'), 'good: entity operation with PII')
ent = entity('good-eo-2'); ent['detail'] = json.dumps(ent['detail'])
add(K, ent, 'good: stringified detail')
add(K, entity('good-eo-3', tenant='A'), 'good: one-character tenant')
add(K, entity('bad-eo-1', op='mergeEntity'), 'structure: unknown operation', 'route',
    'unknown operation (not one of the documented 10)')
e = entity('bad-eo-2'); del e['detail']
add(K, e, 'structure: missing detail', 'parse', 'missing detail')
e = entity('bad-eo-3'); del e['detail']['entity']; del e['detail']['params']; del e['detail']['payload']['_id']
add(K, e, 'structure: no entity id anywhere', 'parse', 'missing detail.entity')
add(K, entity('bad-eo-4', detail=5), 'types: detail a number', 'parse', 'detail is not an object')
add(K, entity('bad-eo-5', detail='not json'), 'types: detail plain text', 'parse', 'detail is not an object')
e = entity('bad-eo-30'); e['detail'] = json.dumps(e['detail']) + ' TRUNCATED'
add(K, e, 'syntax: text after a stringified detail', 'parse', 'detail is not an object')
add(K, entity('good-eo-5', detail_over={'payload': {'_id': 'good-eo-5', '_schema': 'product',
                                                    'name': '[1] Wallbox 11 kW', 'code': '{{entity.owner}}'}}),
    'good: attribute values that start with a bracket and are text')
e = entity('bad-eo-6'); e['detail'] = '{"org": "corpus-good", "payload": {"email": "corpus.pii@example.com"}, broken'
add(K, e, 'PII in broken stringified detail', 'parse', 'detail is not an object')
add(K, entity('bad-eo-7', time='2024-01-01T25:00:00Z'), 'times: hour 25', 'parse', 'time is not an ISO-8601 timestamp')
add(K, entity('bad-eo-8', time=1709287200), 'times: epoch number', 'parse', 'time is not an ISO-8601 timestamp')
add(K, entity('bad-eo-9', time='2024-03-01T10:00:00+25:00'), 'times: offset +25:00', 'parse',
    'time is not an ISO-8601 timestamp')
e = entity('bad-eo-10'); del e['detail']['org']
add(K, e, 'tenants: missing', 'parse', 'missing detail.org')
add(K, entity('bad-eo-11', tenant=None), 'tenants: null', 'parse', 'missing detail.org')
add(K, entity('bad-eo-12', tenant=''), 'tenants: empty', 'parse', 'empty detail.org')
add(K, entity('bad-eo-13', tenant='   '), 'tenants: blank', 'parse', 'empty detail.org')
add(K, entity('bad-eo-14', tenant='..'), 'tenants: ..', 'parse', 'detail.org is not a valid tenant id')
add(K, entity('bad-eo-15', tenant='a"b'), 'tenants: double quote', 'parse', 'detail.org is not a valid tenant id')
add(K, entity('bad-eo-16', tenant='a`b'), 'tenants: backtick', 'parse', 'detail.org is not a valid tenant id')
add(K, entity('bad-eo-17', tenant='line\nbreak'), 'tenants: newline inside', 'parse', 'detail.org is not a valid tenant id')
add(K, entity('bad-eo-18', tenant='tenant\u0000'), 'tenants: NUL', 'parse', 'detail.org is not a valid tenant id')
add(K, entity('bad-eo-19', tenant='Ünïcödé'), 'tenants: Latin letters with accents', 'parse', 'detail.org is not a valid tenant id')
add(K, entity('bad-eo-20', tenant='東京'), 'tenants: CJK', 'parse', 'detail.org is not a valid tenant id')
add(K, entity('bad-eo-21', tenant={'nested': 1}), 'tenants: an object', 'parse', 'missing detail.org')
add(K, entity('bad-eo-22', tenant='%2e%2e'), 'tenants: percent-escaped ..', 'parse', 'detail.org is not a valid tenant id')
add(K, entity('bad-eo-23', tenant='acme\u200b'), 'tenants: zero-width space', 'parse', 'detail.org is not a valid tenant id')
add(K, entity('bad-eo-24', tenant='ａｃｍｅ'), 'tenants: full-width letters', 'parse', 'detail.org is not a valid tenant id')
add(K, d(entity('bad-eo-25', tenant='X')).replace(b'"org":"X"', b'"org":"\\ud800"'), 'tenants: lone surrogate',
    'parse', HALF_SURROGATE)
add(K, entity('bad-eo-26', tenant='-dash-first'), 'tenants: starts with a dash', 'parse', 'detail.org is not a valid tenant id')
add(K, entity('bad-eo-27', tenant='a/b'), 'tenants: slash', 'parse', 'detail.org is not a valid tenant id')
add(K, entity('bad-eo-28', tenant='a b'), 'tenants: inner space', 'parse', 'detail.org is not a valid tenant id')
e = entity('bad-eo-29'); e['detail'] = json.dumps({**e['detail'], 'payload': json.loads(nested(70))})
add(K, e, 'nesting: 70 levels inside stringified detail', 'parse', 'nested deeper than 64 levels')
ent = entity('good-eo-4')
ent['detail']['payload'].update({'mobile_phone': PII[3], 'contactEmail': PII[1], 'Last Name': PII[2],
                                 'installation_address': {'street': PII[2], 'city': 'Köln', 'ip': PII[0]},
                                 'status': 'Active'})
add(K, ent, 'good: PII in attributes of a tenant\'s own schema (mobile_phone, contactEmail, installation_address)')
# The event id and the activity id are part of entity_operations' key.
e = entity('bad-eo-30'); del e['id']
add(K, e, 'keys: no event id', 'parse', 'missing id')
add(K, entity('bad-eo-31', id=''), 'keys: empty event id', 'parse', 'empty id')
e = entity('bad-eo-32'); del e['detail']['activity_id']
add(K, e, 'keys: no activity id', 'parse', 'missing detail.activity_id')
add(K, entity('bad-eo-33', detail_over={'activity_id': None}), 'keys: null activity id', 'parse',
    'missing detail.activity_id')

# ---------------------------------------------------------------- workflow-executions
K = 'workflow-executions'
add(K, execution('good-wf-1'), 'good: execution with PII in a context')
add(K, execution('good-wf-2', tenant=MAX_ESCAPED), 'good: 64-character tenant, 63 bytes ClickHouse escapes')
add(K, execution('bad-wf-1', phases={'a': 1}), 'types: phases an object', 'parse', 'phases is not an array')
add(K, execution('bad-wf-2', phases=[1]), 'types: a phase not an object', 'parse', 'phases[0] is not an object')
add(K, execution('bad-wf-3', contexts='[{"entity_id": "e1", "email": "corpus.pii@example.com"}, '),
    'PII in broken stringified contexts', 'parse', 'contexts is not an array')
add(K, execution('bad-wf-4', assigned_to=['u'] * 10001), 'sizes: 10,001 strings in a typed array', 'type',
    'workflow_executions.assigned_to: more than 10000 elements')
add(K, execution('bad-wf-5', tenant='.'), 'tenants: .', 'parse', 'org_id is not a valid tenant id')
add(K, execution('bad-wf-6', updated_at='2024-03-01 10:00'), 'times: space, no seconds', 'parse',
    'updated_at is not an ISO-8601 timestamp')
inner = nested(30)
for _ in range(3):
    inner = json.dumps({'s': inner})
add(K, execution('bad-wf-7', analytics=json.loads('{"l":' + nested(30, 'y').replace('"y"', json.dumps(inner)) + '}')),
    'nesting: JSON in JSON in JSON in JSON strings, 65 levels in all', 'parse', 'nested deeper than 64 levels')
add(K, execution('good-wf-3', assigned_to=['u1', {'variable': '{{entity.owner}}', 'value': ['u2']},
                                         {'variable': '{{entity.manager}}'}]),
    'good: variable assignees (epilot Assignees: a user id or a VariableAssignment)')
add(K, {'id': 'bad-wf-8', 'name': 'Lead Qualification', 'trigger': 'MANUAL', 'status': 'STARTED',
        'creationTime': T, 'lastUpdateTime': T, 'assignedTo': ['252'], 'email': PII[1],
        'flow': [{'id': 's1', 'name': 'Call the client', 'steps': []}]},
    'shapes: a v1 execution (lastUpdateTime, flow[])', 'parse', 'a v1 workflow execution')
# A phase's and a task's id, a context's entity_id: each child row's own key.
add(K, execution('bad-wf-9', phases=[{'name': 'P', 'status': 'OPEN'}]), 'keys: a phase without id', 'parse',
    'missing phases[0].id')
add(K, execution('bad-wf-10', tasks=[{'id': 't1', 'name': 'T'}, {'id': '', 'name': 'U'}]),
    'keys: a task with an empty id', 'parse', 'empty tasks[1].id')
add(K, execution('bad-wf-11', contexts=[{'entity_schema': 'opportunity', 'email': PII[1]}]),
    'keys: a context without entity_id', 'parse', 'missing contexts[0].entity_id')

# ---------------------------------------------------------------- journey-sessions
K = 'journey-sessions'
add(K, analytics(K, 'good-js-1'), 'good: session with PII in details')
add(K, analytics(K, 'good-js-2', tenant=123), 'good: tenant given as a number')
add(K, analytics(K, 'bad-js-1', start_time='2024-03-01T10:00:00'), None) if False else None
s = analytics(K, 'bad-js-2'); del s['id']
add(K, s, 'structure: missing id', 'parse', 'missing id')
add(K, analytics(K, 'bad-js-3', id={'x': 1}), 'types: id an object', 'parse', 'missing id')
add(K, analytics(K, 'bad-js-4', end_time='later'), 'times: end_time not a timestamp', 'type',
    'journey_sessions.end_time: expected an ISO-8601 timestamp, got a string that is not one')
add(K, analytics(K, 'good-js-3', end_time=''), 'good: end_time "" of a session still going on (null)')
# Half a surrogate pair is no character (it became '?' in Parquet and ClickHouse); a pair is one.
add(K, d(analytics(K, 'bad-js-5')).replace(b'"journey_id":"j-1"', b'"journey_id":"x\\udc00y"'),
    'text: half a surrogate pair in a column', 'parse', HALF_SURROGATE)
add(K, analytics(K, 'bad-js-6', details='{"email": "half\\ud83d@example.org"}'),
    'text: half a surrogate pair in stringified details', 'parse', HALF_SURROGATE)
add(K, d(analytics(K, 'good-js-4')).replace(b'"journey_id":"j-1"', b'"journey_id":"j-\\ud83d\\ude00"'),
    'good: an emoji escaped as a surrogate pair')

# ---------------------------------------------------------------- journey-events
K = 'journey-events'
add(K, analytics(K, 'good-je-1'), 'good: event with PII in details')
add(K, analytics(K, 'good-je-2', details='{"ip": "203.0.113.99", broken'),
    'good: PII in broken JSON details (encrypted whole)')
add(K, analytics(K, 'good-je-3', details='ip=203.0.113.99 email=corpus.pii@example.com'),
    'good: PII in plain-text details (encrypted whole)')
e = analytics(K, 'bad-je-1'); del e['created_at']
add(K, e, 'times: missing created_at', 'parse', 'missing created_at')
add(K, analytics(K, 'bad-je-2', org_id=None), 'tenants: null org_id', 'parse', 'missing org_id')
add(K, analytics(K, 'bad-je-3', details=json.dumps({'deep': json.loads(nested(70))})),
    'nesting: 70 levels inside details text', 'parse', 'nested deeper than 64 levels')
# CRLF line ends: positions stay right, \r is not part of the record.
add(K, d(analytics(K, 'good-je-4')) + b'\r', 'good: CRLF line end', file='crlf.jsonl')
add(K, b'{"id": "bad-je-4", "org_id": "corpus-good", "created_at": "2024-03-01T10:00:00Z", \r', 'syntax: truncated, CRLF',
    'parse', 'invalid JSON: unexpected end of input', file='crlf.jsonl')
add(K, d(analytics(K, 'good-je-5')) + b'\r', 'good: CRLF line end', file='crlf.jsonl')

# ---------------------------------------------------------------- portal-sessions
K = 'portal-sessions'
add(K, analytics(K, 'good-ps-1'), 'good: portal session')
add(K, analytics(K, 'good-ps-2', details='{"email": "corpus.pii@example.com", "ip": '),
    'good: PII in truncated JSON details (encrypted whole)')
add(K, analytics(K, 'bad-ps-1', org_id='x\'); DROP VIEW x; --'), 'tenants: SQL in org_id', 'parse',
    'org_id is not a valid tenant id')
add(K, analytics(K, 'bad-ps-2', start_time='0000-00-00T00:00:00Z'), 'times: all zeros', 'parse',
    'start_time is not an ISO-8601 timestamp')

# ---------------------------------------------------------------- portal-events
K = 'portal-events'
add(K, analytics(K, 'good-pe-1'), 'good: portal event')
add(K, analytics(K, 'bad-pe-1', org_id='../org_id=other'), 'tenants: partition injection', 'parse',
    'org_id is not a valid tenant id')
add(K, analytics(K, 'bad-pe-2', details=123, created_at=['2024']), 'types: time as an array', 'parse', 'missing created_at')
add(K, d(analytics(K, 'good-pe-2')).replace(b'"good-pe-2"', b'"good-pe-2\xf0\x9f\x98\x80"'),
    'good: four-byte UTF-8 (emoji) in an id')
add(K, analytics(K, 'good-pe-3', details={'ip': [PII[0], PII[0]], 'email': {'work': PII[1]}, 'step': 3}),
    'good: PII keys holding an array and an object (every scalar in them encrypted)')
add(K, analytics(K, 'bad-pe-3', tenant=True), 'tenants: a boolean', 'parse',
    'org_id is not a valid tenant id: a boolean')
add(K, analytics(K, 'bad-pe-4', tenant=739224.5), 'tenants: a number with a fraction', 'parse',
    'org_id is not a valid tenant id: a number with a fraction')
add(K, analytics(K, 'good-pe-4', details={'phoneNumber': PII[3], 'userEmail': PII[1], 'ips': [PII[0]],
                                        'First Name': PII[2], 'contact': {'last-name': PII[2],
                                        'billingAddress': {'street': PII[2], 'city': 'Köln'}},
                                        'browser': 'Firefox', 'is_mobile': True, 'step': 3}),
    'good: PII under the names clients give it (phoneNumber, userEmail, ips, First Name)')

for (kind, file), lines in files.items():
    os.makedirs(os.path.join(ROOT, kind), exist_ok=True)
    with open(os.path.join(ROOT, kind, file), 'wb') as f:
        f.write(b'\n'.join(lines) + b'\n')
with open(os.path.join(ROOT, 'dead-letters.tsv'), 'w', encoding='utf-8') as f:
    f.write('position\tstep\terror contains\tcase\n')
    for row in manifest:
        f.write('\t'.join(row) + '\n')
print(len(manifest), 'bad lines,', sum(len(v) for v in files.values()) - len(manifest), 'good lines')
