-- Wireshark dissector for the SecureChat protocol (docs/PROTOCOL.md): each TCP stream is a
-- sequence of frames, u32 big-endian length then one JSON object whose "type" names it (§1).
-- Shown: every frame (several per segment, or one across segments), its length, type and
-- direction, the handshake's fields by name, and a record's seq (§5). A record's epoch is not
-- on the wire: it is only in the AEAD's associated data, and rekeys travel inside records, so
-- an observer cannot tell epochs apart; the tree says so rather than guess.
--   tshark -X lua_script:tools/wireshark/securechat.lua -d tcp.port==PORT,securechat -r FILE
-- or set the port in Wireshark's preferences (Protocols > SecureChat), default 6000.
local sc = Proto("securechat", "SecureChat")

local f_length = ProtoField.uint32("securechat.length", "Length", base.DEC)
local f_type = ProtoField.string("securechat.type", "Type")
local f_direction = ProtoField.string("securechat.direction", "Direction")
local f_seq = ProtoField.uint64("securechat.seq", "Record seq", base.DEC)
local f_epoch = ProtoField.string("securechat.epoch", "Epoch")
local f_code = ProtoField.string("securechat.code", "Error code")
local f_group = ProtoField.string("securechat.group", "Group")
local f_certs = ProtoField.uint32("securechat.certs", "Certificates", base.DEC)
local f_json = ProtoField.string("securechat.json", "JSON")
sc.fields = { f_length, f_type, f_direction, f_seq, f_epoch, f_code, f_group, f_certs, f_json }

local e_length = ProtoExpert.new("securechat.bad_length", "Frame length outside 1..65536",
                                 expert.group.MALFORMED, expert.severity.ERROR)
local e_type = ProtoExpert.new("securechat.no_type", "Payload has no string \"type\"",
                               expert.group.MALFORMED, expert.severity.ERROR)
sc.experts = { e_length, e_type }

sc.prefs.port = Pref.uint("TCP port", 6000, "The server's TCP port")

local kMaxFrame = 65536

local function field(json, name)
  return json:match('"' .. name .. '"%s*:%s*"([^"]*)"')
end

local function count_certs(json)
  local list = json:match('"certs"%s*:%s*%[([^%]]*)%]')
  if not list then return nil end
  local n = 0
  for _ in list:gmatch('"[^"]*"') do n = n + 1 end
  return n
end

local function one_frame(tvb, pinfo, tree, offset, length, types)
  local range = tvb(offset, 4 + length)
  local json = tvb(offset + 4, length):string()
  local kind = field(json, "type")
  local item = tree:add(sc, range, "SecureChat frame: " .. (kind or "?"))
  item:add(f_length, tvb(offset, 4))
  local server_port = sc.prefs.port
  local to_server = pinfo.dst_port == server_port or (pinfo.src_port ~= server_port and
                                                      pinfo.dst_port < pinfo.src_port)
  item:add(f_direction, range, to_server and "client to server" or "server to client")
  if not kind then
    item:add_proto_expert_info(e_type)
    kind = "?"
  end
  item:add(f_type, tvb(offset + 4, length), kind)
  if kind == "record" then
    local seq = json:match('"seq"%s*:%s*(%d+)')
    if seq then
      item:add(f_seq, tvb(offset + 4, length), UInt64.fromhex(string.format("%x", tonumber(seq))))
      item:append_text(" seq " .. seq)
      kind = kind .. " " .. seq
    end
    item:add(f_epoch, range, "not on the wire (in the AEAD associated data only)")
  elseif kind == "error" then
    item:add(f_code, tvb(offset + 4, length), field(json, "code") or "")
  elseif kind == "server_hello" then
    item:add(f_group, tvb(offset + 4, length), field(json, "group") or "")
  end
  local certs = count_certs(json)
  if certs then
    item:add(f_certs, tvb(offset + 4, length), certs)
  end
  item:add(f_json, tvb(offset + 4, length), json)
  table.insert(types, kind)
end

function sc.dissector(tvb, pinfo, tree)
  local offset, total = 0, tvb:len()
  local types = {}
  while offset < total do
    if total - offset < 4 then
      pinfo.desegment_offset = offset
      pinfo.desegment_len = DESEGMENT_ONE_MORE_SEGMENT
      break
    end
    local length = tvb(offset, 4):uint()
    if length == 0 or length > kMaxFrame then
      local item = tree:add(sc, tvb(offset), "SecureChat: bad frame length " .. length)
      item:add_proto_expert_info(e_length)
      offset = total
      break
    end
    if total - offset < 4 + length then
      pinfo.desegment_offset = offset
      pinfo.desegment_len = 4 + length - (total - offset)
      break
    end
    one_frame(tvb, pinfo, tree, offset, length, types)
    offset = offset + 4 + length
  end
  if #types > 0 then
    pinfo.cols.protocol = "SecureChat"
    pinfo.cols.info = table.concat(types, ", ")
  end
  return offset
end

local tcp_port = DissectorTable.get("tcp.port")
local registered_port = sc.prefs.port
tcp_port:add(registered_port, sc)
function sc.prefs_changed()
  tcp_port:remove(registered_port, sc)
  registered_port = sc.prefs.port
  tcp_port:add(registered_port, sc)
end
