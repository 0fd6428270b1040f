#!/usr/bin/env python3
"""Builds the demo input under pipelines/samples/input/ from the published fixtures kept (compacted)
in transforms/src/test/resources/fixtures/. Deterministic: rerunning gives the same files.

Each kind gets realistic variants (several tenants, ids, dates, out-of-order snapshots, raw and typed
VTEX forms) and a few bad lines, which the pipeline must route to dead letters."""
import copy, json, os, random, uuid

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, '..', '..', 'transforms', 'src', 'test', 'resources', 'fixtures')
OUT = os.path.join(HERE, 'input')
rnd = random.Random(42)


def fixture(name):
    with open(os.path.join(FIX, name)) as f:
        return json.load(f)


def uid():
    return str(uuid.UUID(int=rnd.getrandbits(128), version=4))


def write(kind, name, lines):
    os.makedirs(os.path.join(OUT, kind), exist_ok=True)
    with open(os.path.join(OUT, kind, name), 'w') as f:
        for line in lines:
            f.write((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False, separators=(',', ':'))) + '\n')


def stringify(order):
    """The raw VTEX form: every scalar as a string, nested objects and arrays as stringified JSON."""
    def scalar(v):
        if v is None:
            return None
        if isinstance(v, bool):
            return 'true' if v else 'false'
        return str(v)
    def deep(v):
        if isinstance(v, dict):
            return {k: deep(x) for k, x in v.items()}
        if isinstance(v, list):
            return [deep(x) for x in v]
        return scalar(v)
    raw = {}
    for k, v in order.items():
        raw[k] = json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else scalar(v)
    return raw


# ---- checkout orders ----
order = fixture('vtex_oms_get_order.json')
orders = []
for i, (host, day) in enumerate([('luxstore', '2024-02-06'), ('luxstore', '2024-02-07'), ('cozyhome', '2024-03-01'), ('cozyhome', '2024-03-02')]):
    o = copy.deepcopy(order)
    o['orderId'] = f'11724529{i:05d}-01'
    o['hostname'] = host
    o['lastChange'] = f'{day}T20:46:11.7010747+00:00' if i % 2 == 0 else f'{day}T08:15:02.123456Z'
    o['value'] = 1160 + i * 100
    o['clientProfileData']['email'] = f'customer{i}@example.com'
    for item in o['items']:
        item['uniqueId'] = uid().replace('-', '').upper()
    orders.append(o)
lines = [orders[0], stringify(orders[1]), orders[2], stringify(orders[3])]
lines.append('{"orderId": "broken-1", "hostname": "luxstore", "lastChange": ')  # truncated JSON
bad = copy.deepcopy(order); bad['orderId'] = 'bad-value-1'; bad['value'] = 'eleven hundred'
lines.append(bad)  # a value that is not money
nohost = copy.deepcopy(order); nohost['orderId'] = 'no-tenant-1'; del nohost['hostname']
lines.append(nohost)
write('checkout-orders', 'orders-2024.jsonl', lines)

# ---- entity operations ----
contact = fixture('epilot_entity_contact_openapi_example.json')
opportunity = fixture('epilot_entity_opportunity_openapi_example.json')
base = fixture('epilot_entity_base_openapi_example.json')
events = []
seq = 0


def envelope(org, entity_id, slug, operation, payload, time, stringified):
    global seq
    seq += 1
    detail = {'entity': entity_id, 'org': org, 'activity_id': f'01HZ{seq:022d}', 'operation': operation,
              'params': {'id': entity_id, 'slug': slug}, 'payload': payload}
    return {'version': '0', 'id': uid(), 'detail-type': 'EntityOperation', 'source': 'epilot.entity',
            'account': '912345678901', 'time': time, 'region': 'eu-central-1', 'resources': [],
            'detail': json.dumps(detail, ensure_ascii=False) if stringified else detail}


sources = ['Website Journey', 'Partner Portal Journey', 'Solar Check Journey']
for org in ['739224', '123']:
    for n in range(3):
        month = 1 + n
        opp_id = uid()
        p = copy.deepcopy(opportunity)
        p.update({'_id': opp_id, '_org': org, '_schema': 'opportunity', '_created_at': f'2024-{month:02d}-05T10:00:00.000Z',
                  '_updated_at': f'2024-{month:02d}-05T10:00:00.000Z', 'source': {'title': sources[n], 'href': '/journeys/' + str(n)},
                  'billing_email': f'buyer{n}@example.org'})
        events.append(envelope(org, opp_id, 'opportunity', 'createEntity', p, f'2024-{month:02d}-05T10:00:00.000Z', n % 2 == 0))
        p2 = copy.deepcopy(p); p2['status'] = 'Qualified'; p2['_updated_at'] = f'2024-{month:02d}-06T11:30:00.000Z'
        events.append(envelope(org, opp_id, 'opportunity', 'updateEntity', p2, f'2024-{month:02d}-06T11:30:00.000Z', False))
        if n == 2:
            events.append(envelope(org, opp_id, 'opportunity', 'deleteEntity', p2, f'2024-{month:02d}-07T09:00:00.000Z', True))
    c_id = uid()
    c = copy.deepcopy(contact); c.update({k: base[k] for k in ['_owners', '_tags', '_acl', '_manifest']})
    c.update({'_id': c_id, '_org': org, '_schema': 'contact', '_created_at': '2024-01-20T08:00:00.000Z', '_updated_at': '2024-01-20T08:00:00.000Z'})
    events.append(envelope(org, c_id, 'contact', 'createEntity', c, '2024-01-20T08:00:00.000Z', True))
    events.append(envelope(org, c_id, 'contact', 'relationsAdded', c, '2024-01-21T08:00:00.000Z', False))
rnd.shuffle(events)
unknown = envelope('739224', uid(), 'contact', 'mergeEntity', {'_schema': 'contact'}, '2024-01-22T08:00:00.000Z', False)
noorg = envelope('739224', uid(), 'contact', 'createEntity', {'_schema': 'contact'}, '2024-01-22T08:00:00.000Z', False)
noorg['detail'].pop('org')
notime = envelope('739224', uid(), 'contact', 'createEntity', {'_schema': 'contact'}, '2024-01-22T08:00:00.000Z', False)
notime.pop('time')
events += [unknown, noorg, notime, '', '[1, 2, 3]']
write('entity-operations', 'operations.jsonl', events)

# ---- workflow executions ----
skeleton = fixture('epilot_workflow_get_flow_execution_v2_schema_skeleton.json')
executions = []
for org in ['739224', '123']:
    ex_id = uid()
    for version, (updated, status) in enumerate([('2024-04-02T09:00:00.000Z', 'STARTED'), ('2024-04-03T15:30:00.000Z', 'CLOSED')]):
        e = copy.deepcopy(skeleton)
        e.update({'id': ex_id, 'org_id': org, 'flow_template_id': 'tmpl-solar', 'name': 'Solar installation',
                  'created_at': '2024-04-01T08:00:00.000Z', 'updated_at': updated, 'due_date': '2024-05-01T00:00:00.000Z',
                  'status': status, 'assigned_to': ['user-1']})
        e['analytics'] = {'started_at': '2024-04-01T08:00:00.000Z', 'started_by': 'user-1'}
        e['contexts'] = [{'entity_id': uid(), 'entity_schema': 'opportunity', 'is_primary': True}]
        e['phases'] = [dict(e['phases'][0], id=f'phase-{j}', template_id=f'ph-{j}', name=f'Phase {j}', status='OPEN',
                            updated_at=updated) for j in range(2 if version == 0 else 1)]
        e['tasks'] = [dict(e['tasks'][0], id=f'task-{j}', template_id=f'tt-{j}', name=f'Task {j}', phase_id='phase-0',
                           created_at='2024-04-01T08:00:00.000Z', updated_at=updated) for j in range(3 - version)]
        e['edges'] = []
        e['_execution_chain'] = {'depth': 0}
        e['trigger'] = {'type': 'MANUAL'}
        if status == 'CLOSED':
            e['closing_reason'] = {'selected_reasons': [{'id': 'r1', 'title': 'Customer withdrew'}], 'configured_reasons': [], 'extra_description': 'closed by sample'}
        else:
            e.pop('closing_reason')
        executions.append(e)
executions.reverse()  # the newer snapshot of each execution arrives first
placeholder = copy.deepcopy(skeleton)  # the published skeleton itself: "string" is not a timestamp
executions.append(placeholder)
write('workflow-executions', 'executions.jsonl', executions)

# ---- journey and portal analytics ----
def details(i):
    return json.dumps({'ip': f'203.0.113.{i}', 'email': f'visitor{i}@example.net', 'browser': 'Firefox', 'step': i})

journeys = [uid() for _ in range(2)]
js, je, ps, pe = [], [], [], []
for i in range(6):
    org = ['739224', '123'][i % 2]
    sid = uid()
    js.append({'id': sid, 'org_id': org, 'journey_id': journeys[i % 2], 'start_time': f'2024-05-{10 + i:02d}T12:00:00.000Z',
               'details': details(i), 'end_time': f'2024-05-{10 + i:02d}T12:07:00.000Z', 'last_updated_at': f'2024-05-{10 + i:02d}T12:07:00.000Z'})
    for t in ['step_navigation', 'journey_submit']:
        je.append({'id': uid(), 'org_id': org, 'session_id': sid, 'journey_id': journeys[i % 2], 'type': t,
                   'details': details(i), 'created_at': f'2024-05-{10 + i:02d}T12:0{1 + len(je) % 5}:00.000Z'})
    psid = uid()
    ps.append({'id': psid, 'org_id': org, 'app_name': ['customer-portal', 'installer-portal'][i % 2], 'start_time': f'2024-06-{1 + i:02d}T09:00:00Z',
               'details': details(i), 'end_time': f'2024-06-{1 + i:02d}T09:30:00Z', 'last_updated_at': f'2024-06-{1 + i:02d}T09:30:00Z'})
    pe.append({'id': uid(), 'org_id': org, 'session_id': psid, 'app_name': ['customer-portal', 'installer-portal'][i % 2], 'type': 'user_logged_in',
               'details': details(i), 'created_at': f'2024-06-{1 + i:02d}T09:01:00Z'})
js.append({'id': uid(), 'org_id': '739224', 'journey_id': journeys[0], 'details': '{}'})  # no start_time
write('journey-sessions', 'sessions.jsonl', js)
write('journey-events', 'events.jsonl', je)
write('portal-sessions', 'sessions.jsonl', ps)
write('portal-events', 'events.jsonl', pe)
