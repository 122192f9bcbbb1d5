/**
 * Lua scripts behind the durable outbox (outbox-store.ts). Each runs atomically in Redis, so enqueueing,
 * coalescing and claiming one lane's head never interleave, whichever process does them. Every key a script
 * touches is passed in KEYS and built from the deployment prefix, so with a hash-tag prefix (`{pvebot}:`)
 * they all sit in one Redis Cluster slot.
 *
 * Layout per platform and lane (a conversation), under `<prefix>outbox:<platform>:`:
 *   q:<lane>       list of item ids, oldest first (the lane's FIFO)
 *   items:<lane>   hash id → item JSON ({d: Delivery, c?: coalesce key, k?: post key, at})
 *   edits:<lane>   hash coalesce key → id of the item with that key still waiting (not yet on the wire)
 *   tries:<lane>   hash id → attempts used (a 429 wait gives its attempt back)
 *   lease:<lane>   the token of the process that sends this lane, with a TTL
 *   lanes          set of lanes that have items, so any process can resume them
 *   done:<id>      the outcome of a finished item for a while, for callers in another process
 *   key:<post key> the MessageRef JSON a keyed post made, with a TTL
 */

/**
 * KEYS: q, items, edits, tries, lanes. ARGV: id, item, coalesce key or '', lane, max items.
 * Returns {id, 0} when queued, {existing id, 1} when it replaced a waiting item with the same key, and
 * {'', -1} when the lane is full.
 */
export const ENQUEUE_LUA = `
if ARGV[3] ~= '' then
  local waiting = redis.call('HGET', KEYS[3], ARGV[3])
  if waiting and redis.call('HEXISTS', KEYS[2], waiting) == 1 then
    redis.call('HSET', KEYS[2], waiting, ARGV[2])
    redis.call('HDEL', KEYS[4], waiting)
    return {waiting, 1}
  end
end
if redis.call('LLEN', KEYS[1]) >= tonumber(ARGV[5]) then return {'', -1} end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('RPUSH', KEYS[1], ARGV[1])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[3], ARGV[3], ARGV[1]) end
redis.call('SADD', KEYS[5], ARGV[4])
return {ARGV[1], 0}
`;

/**
 * Takes the lane's head for sending. KEYS: lease, q, items, edits, tries. ARGV: token, id, coalesce key
 * or '', lease ms. From here on a newer edit of the same message queues behind it instead of replacing it.
 * Returns {0} when the lease is no longer ours, {2} when the head changed, {1, item, attempt} otherwise.
 */
export const BEGIN_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {0} end
if redis.call('LINDEX', KEYS[2], 0) ~= ARGV[2] then return {2} end
local item = redis.call('HGET', KEYS[3], ARGV[2])
if not item then return {2} end
if ARGV[3] ~= '' and redis.call('HGET', KEYS[4], ARGV[3]) == ARGV[2] then
  redis.call('HDEL', KEYS[4], ARGV[3])
end
local attempt = redis.call('HINCRBY', KEYS[5], ARGV[2], 1)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {1, item, attempt}
`;

/**
 * After a failed try that will be retried: the item may take newer edits again while it waits, unless a
 * newer item with its key was queued meanwhile. KEYS: items, edits, tries. ARGV: id, coalesce key or '',
 * 1 to give the attempt back (a 429 wait) or 0.
 */
export const REQUEUE_LUA = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[2] ~= '' and redis.call('HEXISTS', KEYS[2], ARGV[2]) == 0 then
  redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
end
if ARGV[3] == '1' then redis.call('HINCRBY', KEYS[3], ARGV[1], -1) end
return 1
`;

/**
 * Removes a finished item (delivered or given up on) and records its outcome. Done even when the lease was
 * lost meanwhile: the platform has the message, so no other process may send it again.
 * KEYS: q, items, edits, tries, done, post key (or any key under the prefix). ARGV: id, coalesce key or
 * '', outcome JSON, done TTL ms, ref JSON for the post key or '', post key TTL ms.
 */
export const COMPLETE_LUA = `
redis.call('LREM', KEYS[1], 1, ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
if ARGV[2] ~= '' and redis.call('HGET', KEYS[3], ARGV[2]) == ARGV[1] then
  redis.call('HDEL', KEYS[3], ARGV[2])
end
redis.call('SET', KEYS[5], ARGV[3], 'PX', ARGV[4])
if ARGV[5] ~= '' then redis.call('SET', KEYS[6], ARGV[5], 'PX', ARGV[6]) end
return 1
`;

/**
 * Lets go of an empty lane. KEYS: lease, q, lanes. ARGV: token, lane. Returns 1 when released, 0 when
 * items arrived meanwhile (keep going), -1 when the lease is no longer ours.
 */
export const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
if redis.call('LLEN', KEYS[2]) > 0 then return 0 end
redis.call('SREM', KEYS[3], ARGV[2])
redis.call('DEL', KEYS[1])
return 1
`;

/** KEYS: lease. ARGV: token, lease ms ('' to let go). Returns 1 while the lease is ours. */
export const LEASE_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`;
