-- Wireshark dissector for the LP frame (docs/PROTOCOL.md), spoken by the chat and LP programs.
--
-- Load it for one run:   tshark -X lua_script:docs/wireshark/lp.lua -r capture.pcapng -Y lp
-- or for good:           copy it into Wireshark's personal Lua plugins folder
--                        (Help > About Wireshark > Folders > Personal Lua Plugins).
--
-- The header is 12 bytes, big-endian: magic "LP", version 1, kind, type letter, status, id (16
-- bits), payload length (32 bits). TCP may split one frame over several segments or pack several
-- frames into one; dissect_tcp_pdus() reassembles by the length field, so every frame shows whole.

local lp = Proto("lp", "LP frame protocol")

local HEADER_SIZE = 12
local DEFAULT_PORTS = { 4579, 15004 } -- LP server, chat server

local kinds = { [1] = "Request", [2] = "Response", [3] = "Indication" }

-- Status codes of lib/wire/frame.ts Status.
local statuses = {
  [0] = "Ok", [1] = "BadFrame", [2] = "UnknownType", [3] = "BadPayload", [4] = "NotFound",
  [5] = "Timeout", [6] = "Gone", [7] = "Full", [8] = "TooLarge", [9] = "Taken",
  [10] = "BadState", [11] = "Integrity", [12] = "ServerError", [13] = "Slow",
  [14] = "AuthRequired", [15] = "AuthFailed", [16] = "RateLimited",
}

-- Type letters and what they mean. The LP lab and the chat never give one letter two meanings,
-- so one table serves both (docs/PROTOCOL.md).
local types = {
  -- LP lab
  T = "time", N = "name", L = "client list", M = "message", Q = "quit",
  -- shared
  H = "heartbeat", S = "server notice",
  -- chat
  J = "join", B = "leave", C = "chat", P = "private message", W = "who", F = "file list",
  U = "upload", D = "data chunk", E = "transfer end", G = "download", X = "cancel transfer",
  Y = "history", R = "register", O = "logout", K = "delivered",
}

local f = lp.fields
f.magic = ProtoField.string("lp.magic", "Magic")
f.version = ProtoField.uint8("lp.version", "Version")
f.kind = ProtoField.uint8("lp.kind", "Kind", base.DEC, kinds)
f.type = ProtoField.string("lp.type", "Type")
f.status = ProtoField.uint8("lp.status", "Status", base.DEC, statuses)
f.id = ProtoField.uint16("lp.id", "Id")
f.length = ProtoField.uint32("lp.length", "Payload length")
f.json = ProtoField.string("lp.json", "JSON payload")
f.data = ProtoField.bytes("lp.data", "Data")

local json_dissector = Dissector.get("json")

-- Total bytes of the frame that starts at `offset`: header plus announced payload.
local function frame_length(tvb, pinfo, offset)
  return HEADER_SIZE + tvb(offset + 8, 4):uint()
end

-- One whole frame: tvb starts at its header.
local function dissect_frame(tvb, pinfo, tree)
  -- Read the info column before the JSON dissector adds its own name to it.
  local info_before = tostring(pinfo.cols.info)
  local kind = tvb(3, 1):uint()
  local letter = tvb(4, 1):string()
  local status = tvb(5, 1):uint()
  local id = tvb(6, 2):uint()
  local length = tvb(8, 4):uint()

  local summary = string.format("%s %s id=%d", kinds[kind] or ("Kind " .. kind), letter, id)
  if status ~= 0 then summary = summary .. " status=" .. (statuses[status] or status) end

  local subtree = tree:add(lp, tvb(0, HEADER_SIZE + length), "LP " .. summary)
  subtree:add(f.magic, tvb(0, 2))
  subtree:add(f.version, tvb(2, 1))
  subtree:add(f.kind, tvb(3, 1))
  subtree:add(f.type, tvb(4, 1)):append_text(types[letter] and (" (" .. types[letter] .. ")") or "")
  subtree:add(f.status, tvb(5, 1))
  subtree:add(f.id, tvb(6, 2))
  subtree:add(f.length, tvb(8, 4))

  if length > 0 then
    local payload = tvb(HEADER_SIZE, length)
    local first = payload(0, 1):uint()
    if first == 0x7b or first == 0x5b then -- "{" or "[": a JSON payload
      subtree:add_packet_field(f.json, payload, ENC_UTF_8) -- names and messages may be Chinese
      if json_dissector then json_dissector:call(payload:tvb(), pinfo, subtree) end
    else
      subtree:add(f.data, payload)
    end
  end

  -- Several frames may share one segment: list them all in the info column.
  pinfo.cols.protocol = "LP"
  if info_before:sub(1, 3) == "LP:" then
    pinfo.cols.info = info_before .. ", " .. summary
  else
    pinfo.cols.info = "LP: " .. summary
  end
  return HEADER_SIZE + length
end

function lp.dissector(tvb, pinfo, tree)
  dissect_tcp_pdus(tvb, tree, HEADER_SIZE, frame_length, dissect_frame, true)
  return tvb:len()
end

-- On any other port: claim a stream whose first bytes are an LP header.
local function heuristic(tvb, pinfo, tree)
  if tvb:len() < HEADER_SIZE then return false end
  if tvb(0, 2):string() ~= "LP" or tvb(2, 1):uint() ~= 1 then return false end
  local kind = tvb(3, 1):uint()
  if kind < 1 or kind > 3 then return false end
  pinfo.conversation = lp -- the rest of this TCP stream is LP too
  lp.dissector(tvb, pinfo, tree)
  return true
end

local tcp_port = DissectorTable.get("tcp.port")
for _, port in ipairs(DEFAULT_PORTS) do tcp_port:add(port, lp) end
lp:register_heuristic("tcp", heuristic)

-- Inside TLS, once a key log lets Wireshark decrypt it: the protocol named at the handshake.
local tls_alpn = DissectorTable.get("tls.alpn")
for _, name in ipairs({ "lp/1", "chat/1" }) do tls_alpn:add(name, lp) end
