/**
 * Lua scripts behind `RedisApprovalStore`. Each runs atomically inside Redis, so two clicks, two bot
 * instances or a click racing the expiry sweep always see one consistent order of events.
 *
 * Layout of one request, a hash at `<prefix>approval:<id>`:
 *   request     JSON of the parts that never change (command, args, requester, policy, times, …)
 *   status      pending | approved | denied | expired
 *   expiresAt   ms since the epoch, compared with the caller's clock (passed in, never Redis TIME)
 *   required    approvals needed
 *   requester   the requester's person key (services/approvals/people.ts): `["person", name]` for a
 *               person linked in config, else `[platform, id]`; no identity of that person may vote
 *   votes       JSON array of votes, appended by string splicing (cjson would turn `[]` into `{}`)
 *   voteCount   number of approve votes, one per person
 *   voter:<k>   one field per approving person key, for the duplicate check
 *   decidedBy / decidedAt / reason / message   set when known
 * Pending ids sit in the sorted set `<prefix>approvals:pending`, scored by expiresAt.
 *
 * `expireDue` builds hash key names from the prefix inside the script. On a Redis Cluster that is allowed
 * only because the deployment prefix carries a hash tag (`{pvebot}:`, see redis-target.ts): the hashes it
 * names sit in the same slot as the pending set it was given.
 */

/** KEYS: hash, pending. ARGV: id, requestJson, requesterKey, expiresAt, required, ttlMs. */
export const CREATE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'request', ARGV[2], 'status', 'pending', 'expiresAt', ARGV[4],
  'required', ARGV[5], 'requester', ARGV[3], 'votes', '[]', 'voteCount', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
return 1
`;

/** KEYS: hash. ARGV: messageJson. Returns 0 when the request is gone (never recreates a partial hash). */
export const ATTACH_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'message', ARGV[1])
return 1
`;

/**
 * KEYS: hash, pending. ARGV: id, voter person key, verdict, voteJson, actorJson, at, reason, retainMs.
 * Returns {kind, code, HGETALL}. Order of checks: gone, decided, expired, self, deny, duplicate, count.
 * A deny is accepted from someone who approved earlier: changing one's mind towards "do not run" is safe.
 */
export const DECIDE_LUA = `
local key, pending = KEYS[1], KEYS[2]
local id, voter, verdict, vote, actor = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local at, reason, retain = tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8])
if redis.call('EXISTS', key) == 0 then
  redis.call('ZREM', pending, id)
  return {'refused', 'E_APPROVAL_NOT_FOUND', {}}
end
local function close(status)
  redis.call('HSET', key, 'status', status)
  redis.call('ZREM', pending, id)
  redis.call('PEXPIRE', key, retain)
end
if redis.call('HGET', key, 'status') ~= 'pending' then
  return {'refused', 'E_APPROVAL_DECIDED', redis.call('HGETALL', key)}
end
if at >= tonumber(redis.call('HGET', key, 'expiresAt')) then
  close('expired')
  return {'refused', 'E_APPROVAL_EXPIRED', redis.call('HGETALL', key)}
end
if redis.call('HGET', key, 'requester') == voter then
  return {'refused', 'E_SELF_APPROVAL', redis.call('HGETALL', key)}
end
if verdict == 'deny' then
  redis.call('HSET', key, 'decidedBy', actor, 'decidedAt', ARGV[6])
  if reason ~= '' then redis.call('HSET', key, 'reason', reason) end
  close('denied')
  return {'denied', '', redis.call('HGETALL', key)}
end
if redis.call('HEXISTS', key, 'voter:' .. voter) == 1 then
  return {'refused', 'E_APPROVAL_DUPLICATE', redis.call('HGETALL', key)}
end
local votes = redis.call('HGET', key, 'votes')
if votes == '[]' then
  votes = '[' .. vote .. ']'
else
  votes = string.sub(votes, 1, -2) .. ',' .. vote .. ']'
end
redis.call('HSET', key, 'voter:' .. voter, ARGV[6], 'votes', votes)
local count = redis.call('HINCRBY', key, 'voteCount', 1)
if count >= tonumber(redis.call('HGET', key, 'required')) then
  redis.call('HSET', key, 'decidedBy', actor, 'decidedAt', ARGV[6])
  close('approved')
  return {'approved', '', redis.call('HGETALL', key)}
end
return {'recorded', '', redis.call('HGETALL', key)}
`;

/**
 * KEYS: pending. ARGV: now, hashKeyPrefix, retainMs, batch. Returns a list of HGETALL replies, one per
 * request it expired. Ids whose hash is gone or already decided are dropped from the set silently.
 */
export const EXPIRE_LUA = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[4]))
local out = {}
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local key = ARGV[2] .. id
  if redis.call('HGET', key, 'status') == 'pending' then
    redis.call('HSET', key, 'status', 'expired')
    redis.call('PEXPIRE', key, tonumber(ARGV[3]))
    table.insert(out, redis.call('HGETALL', key))
  end
end
return out
`;
