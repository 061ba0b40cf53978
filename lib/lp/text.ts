/**
 * Every sentence of the LP lab (lp-server, lp-client), in English and Chinese.
 *
 * Two kinds of key. A kebab-case key with a hyphen (`no-such-client`) is a **code**: the server
 * sends it with its `params` in refusals and `S` notices, next to the English sentence, and the
 * client words it in its own language (see lib/lp/reason.ts and the LP section of
 * docs/PROTOCOL.md). The `field-not-*` codes other than `field-not-id` and `field-not-string`
 * never travel: the client words them when a server's answer is malformed. A camelCase key is
 * a program's own sentence, made where it is printed.
 *
 * The shared sentences (flag errors, "Listening on", "cannot connect to", …) are `cliText`'s
 * (lib/cli/text.ts).
 *
 * @module
 */

import { defineText } from "../cli/i18n.ts";

/** The LP lab's sentences. */
export const lpText = defineText({
  en: {
    // ---- lp-server: --help, console, log ----------------------------------------------------
    serverUsage: `Usage: deno task lp-server [--host HOST] [--port PORT] [options]

The LP protocol server: time, name, client list, message forwarding with acknowledgement,
heartbeats. Console commands on stdin: list, kick <id>, quit.

Options:
  --host HOST         address to listen on (default {host}; 0.0.0.0 accepts LAN clients)
  --port PORT         port to listen on (default {port}; 0 picks a free one)
  --name NAME         the name the server answers with (default "{name}")
  --heartbeat SECS    heartbeat interval; silent clients go after 3 (default {heartbeat})
  --ack-timeout SECS  how long a message waits for its target's ack (default {ackTimeout})
  --no-hello          do not greet new clients with their id
  --tls               encrypt with TLS; the first start makes a self-signed certificate and
                      keeps it in the storage folder (see docs/TLS.md)
  --cert FILE         use this certificate chain, PEM, instead (implies --tls; needs --key)
  --key FILE          the private key of --cert, PEM
  --storage DIR       where the made certificate is kept (default {storage})`,
    badSeconds: 'Invalid {flag} "{text}": expected seconds, more than 0',
    consoleFailed: "console: {why}",
    consoleNoClients: "No clients connected",
    consoleKickUsage: "Usage: kick <id>",
    consoleKicked: "Kicked client {id}",
    consoleHelp: "Commands: list, kick <id>, quit",
    consoleUnknown: 'Unknown command "{command}"; commands: list, kick <id>, quit',
    consoleQuit: "Shutting down",
    logClient: "client {id} {peer} {what}",
    logConnected: "connected",
    logLeft: "left",
    logQuits: "quits",
    logKicked: "kicked from the console",
    logDropped: "dropped: {why}",
    logMalformed: "sent a malformed frame ({why}); closing",
    logDelivered: "message to client {to}: delivered",
    logNoSuchClient: "message to client {to}: no such client",
    logUndelivered: "message to client {to}: {status}",

    // ---- codes on the wire: S notices ---------------------------------------------------------
    "welcome-client": "Welcome to {name}, you are client {id}",
    "shutting-down": "shutting down",
    "kicked-out": "kicked by the server",
    "evicted-silent": "evicted: silent for {intervals} heartbeat intervals ({seconds} s)",
    "evicted-not-reading":
      "evicted: read nothing for {intervals} heartbeat intervals ({seconds} s)",
    "too-slow": "dropped: more than {kib} KiB unread",
    // ---- codes on the wire: refusals ----------------------------------------------------------
    "malformed-frame": "Malformed frame: {why}",
    "unknown-type": 'Unknown request type "{type}"',
    "unknown-indication": 'Unknown indication type "{type}"',
    "payload-not-json": 'Payload of "{type}" is not valid UTF-8 JSON',
    "payload-not-object": 'Payload of "{type}" must be a JSON object',
    "field-not-id": 'Field "{field}" must be a client id (a whole number from 1)',
    "field-not-string": 'Field "{field}" must be a string',
    "text-empty": "The message text is empty",
    "text-too-long": "The message text is over {max} characters",
    "no-such-client": "No client with id {id}",
    "ack-timeout": "Client {id} did not acknowledge within {seconds} s",
    "target-gone": "Client {id} disconnected before acknowledging",
    "target-refused": "Client {id} refused the message ({status})",
    // ---- codes the client words itself, for a malformed answer -------------------------------
    "field-not-port": 'Field "{field}" must be a port number',
    "field-not-seconds": 'Field "{field}" must be a positive number of seconds',
    "field-not-list": 'Field "{field}" must be a list',
    "field-not-time": 'Field "{field}" must be a date and time, not "{value}"',

    // ---- lp-client --------------------------------------------------------------------------
    clientUsage:
      `Usage: deno task lp-client [--connect HOST:PORT] [--do ACTIONS] [--repeat N] [--listen]

The LP protocol client. With no options, a numbered menu: connect, disconnect, time, name,
client list, send a message, exit. It reads the menu choices from a pipe as well.

Options:
  --connect HOST:PORT  connect at once (port {port} if omitted)
  --do ACTIONS         run actions, print the results and exit: a comma-separated list of
                       time, name, list, msg:ID:TEXT  (TEXT cannot contain a comma)
  --repeat N           write N time requests back-to-back without waiting, then report how
                       many responses came back and how long it took
  --listen             stay connected and print incoming messages until the server closes
                       or Ctrl-C (after --do and --repeat, if given)
  --tls                encrypt with TLS. The server's certificate is trusted if --ca signed
                       it, else if an authority this system trusts did, else on first use:
                       ask once, remember it, refuse if it changes (see docs/TLS.md)
  --ca FILE            trust certificates signed by this authority, PEM (implies --tls)
  --fingerprint FP     trust only the certificate with this fingerprint, SHA256:...
                       (implies --tls)
  --trust              trust an unknown certificate without asking, and remember it
                       (implies --tls; a changed certificate is still refused)`,
    needConnect: "--do, --repeat and --listen need --connect HOST:PORT",
    badRepeat: 'Invalid --repeat "{text}": expected 1 to {max}',
    unknownAction: 'Unknown action "{action}": expected time, name, list or msg:ID:TEXT',
    menuConnect: "Connect",
    menuDisconnect: "Disconnect",
    menuTime: "Server time",
    menuName: "Server name",
    menuList: "Client list",
    menuSend: "Send a message",
    menuExit: "Exit",
    choose: "Choose 1-7: ",
    unknownChoice: 'Unknown choice "{choice}"; choose a number from 1 to 7.',
    notConnected: "Not connected: choose 1 to connect first.",
    alreadyConnected: "Already connected to {server}; choose 2 to disconnect first.",
    askHost: "Server IP [{host}]: ",
    askPort: "Port [{port}]: ",
    connectedTo: "Connected to {server}",
    connectedToTls: "Connected to {server} over TLS ({trust})",
    disconnectedFrom: "Disconnected from {server}",
    askClientId: "Client id: ",
    badClientId: 'Invalid client id "{id}": expected a number such as 1 (5 lists them)',
    askMessage: "Message: ",
    emptyMessage: "Not sent: the message is empty",
    bye: "Bye",
    serverTime: "Server time: {time}",
    serverName: "Server name: {name}",
    clientsHeading: "Connected clients ({n}):",
    columnId: "id",
    columnAddress: "address",
    columnPort: "port",
    columnSince: "connected since",
    you: "(you)",
    delivered: "Message delivered to client {id}",
    notSent: "Message to client {id} not sent: {why}",
    badAnswer: "Malformed answer from the server: {why}",
    refusal: "{error} ({status})",
    messageFrom: "Message from client {from} ({peer}): {text}",
    serverSays: "Server: {text}",
    unknownIndication: 'Server sent an indication of unknown type "{type}"',
    isChatServer: "{server} is a chat server, not an LP server (try deno task chat-client)",
    isChatServerTls: "it is a chat server, not an LP server (try deno task chat-client --tls)",
    notLpServerTls: "it is not an LP server: {why}",
    lpSpeaksTls: "{server} speaks TLS: connect with --tls",
    notLpServer: "{server} is not an LP server ({why})",
    noFirstAnswer: "no answer from {server} within {seconds} s (is it an LP server?)",
    burst:
      "{sent} time requests written back-to-back: {received} responses{matched}, {failed} failed, in {ms} ms",
    burstMatched: ", every id matched",
    burstMissing: "{missing} of {sent} requests got no response",
    waiting: "Waiting for messages (Ctrl-C to stop)",
  },
  zh: {
    // ---- lp-server ----------------------------------------------------------------------------
    serverUsage: `用法：deno task lp-server [--host HOST] [--port PORT] [选项]

LP 协议服务器：提供时间、名称、客户端列表、带确认的消息转发和心跳。
在标准输入中可以输入控制台命令：list、kick <编号>、quit。

选项：
  --host HOST         监听的地址（默认 {host}；0.0.0.0 接受局域网客户端）
  --port PORT         监听的端口（默认 {port}；0 表示任选一个空闲端口）
  --name NAME         服务器应答的名称（默认“{name}”）
  --heartbeat SECS    心跳间隔（秒）；连续 3 个间隔没有消息的客户端会被踢出（默认 {heartbeat}）
  --ack-timeout SECS  转发的消息等待目标客户端确认的秒数（默认 {ackTimeout}）
  --no-hello          不向新客户端发送带有其编号的欢迎通知
  --tls               用 TLS 加密；第一次启动时生成自签名证书，保存在存储文件夹中
                      （见 docs/TLS.md）
  --cert FILE         改用这个证书链（PEM）（隐含 --tls；需要同时给出 --key）
  --key FILE          --cert 的私钥（PEM）
  --storage DIR       生成的证书保存在哪里（默认 {storage}）`,
    badSeconds: "无效的 {flag}“{text}”：应为大于 0 的秒数",
    consoleFailed: "控制台出错：{why}",
    consoleNoClients: "没有已连接的客户端",
    consoleKickUsage: "用法：kick <编号>",
    consoleKicked: "已踢出客户端 {id}",
    consoleHelp: "命令：list、kick <编号>、quit",
    consoleUnknown: "未知命令“{command}”；可用的命令：list、kick <编号>、quit",
    consoleQuit: "正在关闭服务器",
    logClient: "客户端 {id} {peer} {what}",
    logConnected: "已连接",
    logLeft: "已离开",
    logQuits: "请求退出",
    logKicked: "被控制台踢出",
    logDropped: "连接中断：{why}",
    logMalformed: "发来格式错误的帧（{why}），关闭连接",
    logDelivered: "发给客户端 {to} 的消息：已送达",
    logNoSuchClient: "发给客户端 {to} 的消息：没有这个客户端",
    logUndelivered: "发给客户端 {to} 的消息：未送达（{status}）",

    "welcome-client": "欢迎使用 {name}，您是 {id} 号客户端",
    "shutting-down": "正在关闭，再见",
    "kicked-out": "您已被管理员踢出",
    "evicted-silent": "因连续 {intervals} 个心跳间隔（{seconds} 秒）没有发来任何消息而被踢出",
    "evicted-not-reading": "因连续 {intervals} 个心跳间隔（{seconds} 秒）没有读取任何数据而被踢出",
    "too-slow": "因超过 {kib} KiB 的数据没有读取而被断开",
    "malformed-frame": "格式错误的帧：{why}",
    "unknown-type": "未知的请求类型“{type}”",
    "unknown-indication": "未知的指示类型“{type}”",
    "payload-not-json": "“{type}”的载荷不是有效的 UTF-8 JSON",
    "payload-not-object": "“{type}”的载荷必须是 JSON 对象",
    "field-not-id": "字段“{field}”必须是客户端编号（从 1 开始的整数）",
    "field-not-string": "字段“{field}”必须是字符串",
    "text-empty": "消息内容为空",
    "text-too-long": "消息内容超过 {max} 个字符",
    "no-such-client": "没有编号为 {id} 的客户端",
    "ack-timeout": "客户端 {id} 在 {seconds} 秒内没有确认收到",
    "target-gone": "客户端 {id} 在确认收到之前断开了连接",
    "target-refused": "客户端 {id} 拒收了这条消息（{status}）",
    "field-not-port": "字段“{field}”必须是端口号",
    "field-not-seconds": "字段“{field}”必须是正的秒数",
    "field-not-list": "字段“{field}”必须是列表",
    "field-not-time": "字段“{field}”必须是日期时间，而不是“{value}”",

    // ---- lp-client ----------------------------------------------------------------------------
    clientUsage:
      `用法：deno task lp-client [--connect HOST:PORT] [--do ACTIONS] [--repeat N] [--listen]

LP 协议客户端。不带选项时显示编号菜单：连接、断开连接、服务器时间、服务器名称、
客户端列表、发送消息、退出。菜单选项也可以从管道读取。

选项：
  --connect HOST:PORT  立即连接（省略端口时用 {port}）
  --do ACTIONS         执行一系列操作，打印结果后退出：用逗号分隔的
                       time、name、list、msg:ID:TEXT（TEXT 中不能有逗号）
  --repeat N           连续写出 N 个时间请求而不等待应答，然后报告收回了多少个
                       响应、用了多长时间
  --listen             保持连接并打印收到的消息，直到服务器关闭连接或按 Ctrl-C
                       （如果同时给了 --do 和 --repeat，在它们之后）
  --tls                用 TLS 加密。服务器的证书如果由 --ca 签发，或由本系统信任的
                       证书机构签发，就信任它；否则在首次使用时询问一次并记住它，
                       以后证书变了就拒绝连接（见 docs/TLS.md）
  --ca FILE            信任由这个证书机构（PEM）签发的证书（隐含 --tls）
  --fingerprint FP     只信任指纹为 SHA256:... 的证书（隐含 --tls）
  --trust              不询问就信任未知的证书并记住它（隐含 --tls；证书变了仍会拒绝）`,
    needConnect: "--do、--repeat 和 --listen 需要 --connect HOST:PORT",
    badRepeat: "无效的 --repeat“{text}”：应为 1 到 {max}",
    unknownAction: "未知的操作“{action}”：应为 time、name、list 或 msg:ID:TEXT",
    menuConnect: "连接服务器",
    menuDisconnect: "断开连接",
    menuTime: "服务器时间",
    menuName: "服务器名称",
    menuList: "客户端列表",
    menuSend: "发送消息",
    menuExit: "退出",
    choose: "请选择 1-7：",
    unknownChoice: "无效的选项“{choice}”，请输入 1 到 7 之间的数字。",
    notConnected: "尚未连接：请先选择 1 连接服务器。",
    alreadyConnected: "已经连接到 {server}；请先选择 2 断开连接。",
    askHost: "服务器 IP [{host}]：",
    askPort: "端口 [{port}]：",
    connectedTo: "已连接到 {server}",
    connectedToTls: "已通过 TLS 连接到 {server}（{trust}）",
    disconnectedFrom: "已断开与 {server} 的连接",
    askClientId: "客户端编号：",
    badClientId: "无效的客户端编号“{id}”：应为数字，例如 1（选择 5 可以列出所有客户端）",
    askMessage: "消息：",
    emptyMessage: "未发送：消息为空",
    bye: "再见",
    serverTime: "服务器时间：{time}",
    serverName: "服务器名称：{name}",
    clientsHeading: "已连接的客户端（{n} 个）：",
    columnId: "编号",
    columnAddress: "地址",
    columnPort: "端口",
    columnSince: "连接时间",
    you: "（您）",
    delivered: "消息已送达客户端 {id}",
    notSent: "发给客户端 {id} 的消息未发出：{why}",
    badAnswer: "服务器的应答格式有误：{why}",
    refusal: "{error}（{status}）",
    messageFrom: "来自客户端 {from}（{peer}）的消息：{text}",
    serverSays: "服务器：{text}",
    unknownIndication: "服务器发来未知类型“{type}”的指示",
    isChatServer: "{server} 是聊天服务器，不是 LP 服务器（请改用 deno task chat-client）",
    isChatServerTls: "它是聊天服务器，不是 LP 服务器（请改用 deno task chat-client --tls）",
    notLpServerTls: "它不是 LP 服务器：{why}",
    lpSpeaksTls: "{server} 使用 TLS：请加上 --tls 再连接",
    notLpServer: "{server} 不是 LP 服务器（{why}）",
    noFirstAnswer: "{server} 在 {seconds} 秒内没有应答（它是 LP 服务器吗？）",
    burst:
      "连续写出 {sent} 个时间请求：收到 {received} 个响应{matched}，{failed} 个失败，用时 {ms} ms",
    burstMatched: "，每个编号都匹配",
    burstMissing: "{sent} 个请求中有 {missing} 个没有收到响应",
    waiting: "正在等待消息（按 Ctrl-C 停止）",
  },
});
