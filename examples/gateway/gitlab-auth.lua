-- HAProxy (tested on Debian's 2.6.12, Lua 5.3) forward-auth action for gitlab-id-token-gateway
-- (profile: haproxy). HAProxy has no forward-auth directive; core.httpclient (2.5+) makes this
-- action one (research note finding 12 and §1.4).
--
-- It sends GET /check with Authorization and X-Forwarded-Method/Host/Uri taken from the real
-- request, never from client headers. On 200 it copies the X-Gitlab-* answer headers onto the
-- request after deleting every client-sent X-Gitlab-* header; on anything else it stores the
-- answer in txn variables that haproxy.cfg turns into the reply.

local GATEWAY = os.getenv("GITLAB_GATEWAY_CHECK_URL") or "http://127.0.0.1:8080/check"
local TIMEOUT_MS = 2000

local function values(list)
  local out = {}
  if list == nil then return out end
  for _, v in pairs(list) do out[#out + 1] = v end
  return out
end

core.register_action("gitlab_auth", { "http-req" }, function(txn)
  local request = txn.http:req_get_headers()
  -- Client-sent identity headers go first, whatever the answer.
  for name, _ in pairs(request) do
    if string.sub(string.lower(name), 1, 9) == "x-gitlab-" then txn.http:req_del_header(name) end
  end

  local headers = {
    ["x-forwarded-method"] = { txn.sf:method() },
    ["x-forwarded-host"] = { txn.sf:req_fhdr("host") or "" },
    ["x-forwarded-uri"] = { txn.sf:pathq() },
  }
  local authorization = values(request["authorization"])
  if #authorization > 0 then headers["authorization"] = authorization end
  local id = txn.sf:req_fhdr("x-request-id")
  if id ~= nil then headers["x-request-id"] = { id } end

  local ok, res = pcall(function()
    return core.httpclient():get({ url = GATEWAY, headers = headers, timeout = TIMEOUT_MS })
  end)
  local status = 0
  if ok and res ~= nil and res.status ~= nil then status = res.status end
  txn:set_var("txn.gl_status", status)
  if status == 0 then return end

  local answer = res.headers or {}
  local function first(name)
    local list = answer[name]
    if list == nil then return nil end
    for _, v in pairs(list) do return v end
    return nil
  end

  if status == 200 then
    for name, list in pairs(answer) do
      if string.sub(name, 1, 9) == "x-gitlab-" then
        for _, v in pairs(list) do txn.http:req_add_header(name, v) end
      end
    end
    return
  end
  txn:set_var("txn.gl_www_authenticate", first("www-authenticate") or "")
  txn:set_var("txn.gl_retry_after", first("retry-after") or "5")
  txn:set_var("txn.gl_body", res.body or "")
end)
