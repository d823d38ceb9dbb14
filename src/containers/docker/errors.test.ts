/**
 * How the engine's failures read to a user. The address-pool case is the
 * engine's own response (status and JSON body as dockerode hands them over,
 * recorded from Docker 20.10 after the default pools were used up): causing
 * it for real would take every network range of the machine away from the
 * other tests running beside this one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ZeblitError } from '../../contracts/index.ts';
import { translate } from './errors.ts';

const modemError = (statusCode: number, message: string) => Object.assign(new Error(`(HTTP code ${statusCode}) unexpected - ${message}`), { statusCode, json: { message } });
const noDown = () => assert.fail('not a connection failure');

describe('docker errors', () => {
  it('used-up address pools are the engine being full (503 with what to prune), not a missing thing (404)', () => {
    const e = translate(
      modemError(404, 'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network'),
      'unix:///var/run/docker.sock',
      noDown,
      'create network zeblit-net-prj_1',
    );
    assert.ok(e instanceof ZeblitError);
    assert.equal(e.code, 'UNAVAILABLE');
    assert.match(e.message, /no free address range/);
    assert.match(e.suggestion ?? '', /docker network prune/);
  });

  it('a real 404 stays NOT_FOUND, a 409 CONFLICT, with the engine’s own words', () => {
    const gone = translate(modemError(404, 'No such container: abc'), 'e', noDown, 'inspect container abc');
    assert.equal(gone.code, 'NOT_FOUND');
    assert.equal(gone.message, 'inspect container abc: No such container: abc');
    assert.equal(translate(modemError(409, 'name in use'), 'e', noDown, 'create container').code, 'CONFLICT');
  });

  it('a connection failure tells the availability gate and is DOCKER_UNAVAILABLE', () => {
    let told = 0;
    const e = translate(Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' }), 'unix:///var/run/docker.sock', () => told++, 'ping');
    assert.equal(e.code, 'DOCKER_UNAVAILABLE');
    assert.equal(told, 1);
  });
});
