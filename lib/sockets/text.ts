/**
 * The sentences of lab 1's sockets programs (get-ip, the TCP and UDP clients and servers, the
 * TCP demo) in English and Chinese, and the log of the line conversation every line server
 * holds (`lib/net/line_server.ts`).
 *
 * The keys under "On the wire" are special: their English IS what the line servers send (a
 * line protocol has no codes, and `nc` users share the wire), so the servers send
 * `socketsText.in("en", key)`; our clients find such a line with `socketsText.pattern(key)` and
 * show it in their user's language (`lib/sockets/server_lines.ts`).
 *
 * @module
 */

import { defineText } from "../cli/i18n.ts";

/** Lab 1's sentences. */
export const socketsText = defineText({
  en: {
    // get-ip
    getIpUsage: `Usage: deno task get-ip [--json]

Prints this machine's IPv4 and IPv6 addresses by interface, and marks the one a LAN peer
would use to reach it. Sends no traffic.

Options:
  --json          print the same facts as JSON`,
    noIpCommand: "the ip command (iproute2) is not installed",
    cannotRunIp: "cannot run ip route",
    ipRouteFailed: "ip route failed",
    noDefaultRoute: "the route table has no default route",
    noRouteKnown: "no default route",
    cannotListInterfaces: "cannot list network interfaces",
    reasonDefaultRoute: "{iface} carries the default route",
    reasonGuessPrivate: "first private IPv4 address, since the default route is unknown: {why}",
    reasonGuessOther: "first non-loopback IPv4 address, since the default route is unknown: {why}",
    loopbackInterface: "{name} (loopback: reachable only from this machine)",
    lanMark: "<- a LAN peer would use this",
    kindPrivate: "private",
    kindLinkLocal: "link-local",
    lanAt: "A LAN peer would reach this machine at {address}.",
    lanAtGuess: "A LAN peer would reach this machine at {address} (a guess).",
    lanWhy: "Why: {reason}.",
    lanHint:
      "Servers listening on 127.0.0.1 are not reachable from it: start them with --host 0.0.0.0.",
    noLan: "No address a LAN peer could use: only loopback is configured.",

    // The clients' --timeout
    badTimeout: 'Invalid timeout "{text}": expected milliseconds, 1 or more',

    // tcp-server, and the log of every line server
    tcpServerUsage: `Usage: deno task tcp-server [options]

A line-based TCP server that serves one client at a time and acknowledges every line.

Options:
{options}`,
    logConnected: "connected",
    logSays: "says: {line}",
    logLeft: "left",
    logShuttingDown: "disconnected: server shutting down",
    logTooLong: "sent a line over {max} bytes; closing its connection",
    logDropped: "dropped: {why}",
    lineOverLimit: "Line is longer than {max} bytes",

    // tcp-client
    tcpClientUsage: `Usage: deno task tcp-client [--host HOST] [--port PORT]

Connects to a line-based TCP server, sends each line you type and prints the reply.
Type "exit" or press Ctrl-D to quit. Reads lines from a pipe too.

Options:
  --host HOST     server address (default 127.0.0.1)
  --port PORT     server port (default {port})`,
    connectedTo: "Connected to {address}",
    connectionFailed: "connection to {address} failed",

    // udp-server
    udpServerUsage: `Usage: deno task udp-server [--host HOST] [--port PORT]

A UDP server that acknowledges every datagram with "ack: <message>".

Options:
{options}`,
    udpLoopbackHint: "Only this machine can reach it; to accept LAN clients use --host 0.0.0.0",
    logReplyFailed: "reply failed: {why}",

    // udp-client
    udpClientUsage: `Usage: deno task udp-client [--host HOST] [--port PORT] [--timeout MS]

Sends each line you type as one UDP datagram and prints the reply, giving up after a timeout.
Type "exit" or press Ctrl-D to quit. Reads lines from a pipe too.

Options:
  --host HOST     server address (default 127.0.0.1)
  --port PORT     server port (default {port})
  --timeout MS    how long to wait for each reply (default {timeout})`,
    sendingTo: "Sending to {address} (udp)",
    lateReply: "late reply to an earlier message: {text}",
    tooBig: "error: message is {bytes} bytes; one UDP datagram carries at most {limit}. Not sent.",
    noReply:
      "no reply within {ms} ms, giving up on this one: UDP does not retransmit, so the datagram or its reply may have been lost (or no server is listening)",
    cannotResolve: "cannot resolve {host}",
    cannotOpenUdp: "cannot open a UDP socket",
    talkingFailed: "talking to {address} failed",

    // demo:tcp
    demoUsage: `Usage: deno task demo:tcp

Runs the TCP server and a scripted client on 127.0.0.1 as two processes and prints the
transcript, labelled by side. Takes no options of its own.

Options:`,
    demoServer: "server",
    demoClient: "client",
    demoLine1: "hello",
    demoLine2: "how are you?",
    demoLine3: "TCP keeps these lines in order",

    // On the wire: the English is sent as it is; the Chinese is how our clients show it.
    ack: "ack: {line}",
    ackFromWorker: "ack: {line} (worker {id})",
    ackTooLong: "ack: {bytes} bytes (too long to echo back)",
    goodbye: "server: shutting down, goodbye",
    lineTooLong: "error: line longer than {max} bytes; closing",
  },
  zh: {
    getIpUsage: `用法：deno task get-ip [--json]

按网络接口列出本机的 IPv4 和 IPv6 地址，并标出局域网中的其他主机访问本机时应使用的地址。
不发送任何数据。

选项：
  --json          以 JSON 格式输出同样的信息`,
    noIpCommand: "没有安装 ip 命令（iproute2）",
    cannotRunIp: "无法运行 ip route",
    ipRouteFailed: "ip route 执行失败",
    noDefaultRoute: "路由表中没有默认路由",
    noRouteKnown: "没有默认路由",
    cannotListInterfaces: "无法列出网络接口",
    reasonDefaultRoute: "默认路由经过 {iface}",
    reasonGuessPrivate: "这是第一个私有 IPv4 地址，因为默认路由未知：{why}",
    reasonGuessOther: "这是第一个非回环 IPv4 地址，因为默认路由未知：{why}",
    loopbackInterface: "{name}（回环接口：只有本机可以访问）",
    lanMark: "<- 局域网中的主机会用这个地址",
    kindPrivate: "私有",
    kindLinkLocal: "链路本地",
    lanAt: "局域网中的主机可以通过 {address} 访问本机。",
    lanAtGuess: "局域网中的主机可以通过 {address} 访问本机（推测）。",
    lanWhy: "依据：{reason}。",
    lanHint: "监听 127.0.0.1 的服务器无法从局域网访问：请用 --host 0.0.0.0 启动。",
    noLan: "没有局域网主机可用的地址：本机只配置了回环地址。",

    badTimeout: "无效的超时“{text}”：应为毫秒数，至少为 1",

    tcpServerUsage: `用法：deno task tcp-server [选项]

基于文本行的 TCP 服务器：一次只服务一个客户端，并确认收到的每一行。

选项：
{options}`,
    logConnected: "已连接",
    logSays: "发来：{line}",
    logLeft: "已离开",
    logShuttingDown: "已断开：服务器正在关闭",
    logTooLong: "发来的一行超过 {max} 字节，关闭其连接",
    logDropped: "连接中断：{why}",
    lineOverLimit: "一行超过 {max} 字节",

    tcpClientUsage: `用法：deno task tcp-client [--host HOST] [--port PORT]

连接到基于文本行的 TCP 服务器，发送您输入的每一行，并显示服务器的回复。
输入“exit”或按 Ctrl-D 退出。也可以从管道读取输入。

选项：
  --host HOST     服务器地址（默认 127.0.0.1）
  --port PORT     服务器端口（默认 {port}）`,
    connectedTo: "已连接到 {address}",
    connectionFailed: "与 {address} 的连接出错",

    udpServerUsage: `用法：deno task udp-server [--host HOST] [--port PORT]

UDP 服务器：对收到的每个数据报回复“ack: <消息>”。

选项：
{options}`,
    udpLoopbackHint: "只有本机可以访问；要接受局域网客户端，请用 --host 0.0.0.0",
    logReplyFailed: "回复失败：{why}",

    udpClientUsage: `用法：deno task udp-client [--host HOST] [--port PORT] [--timeout MS]

把您输入的每一行作为一个 UDP 数据报发送，并显示回复；超时后放弃等待。
输入“exit”或按 Ctrl-D 退出。也可以从管道读取输入。

选项：
  --host HOST     服务器地址（默认 127.0.0.1）
  --port PORT     服务器端口（默认 {port}）
  --timeout MS    每次等待回复的时长（默认 {timeout}）`,
    sendingTo: "发送到 {address}（UDP）",
    lateReply: "迟到的回复，属于之前的某条消息：{text}",
    tooBig: "错误：消息有 {bytes} 字节，一个 UDP 数据报最多携带 {limit} 字节。未发送。",
    noReply:
      "{ms} ms 内没有收到回复，放弃这一条：UDP 不会重传，数据报或它的回复可能已经丢失（或者没有服务器在监听）",
    cannotResolve: "无法解析 {host}",
    cannotOpenUdp: "无法打开 UDP 套接字",
    talkingFailed: "与 {address} 通信出错",

    demoUsage: `用法：deno task demo:tcp

在 127.0.0.1 上以两个进程运行 TCP 服务器和一个按脚本输入的客户端，并输出按双方标注的记录。
本身没有其他选项。

选项：`,
    demoServer: "服务器",
    demoClient: "客户端",
    demoLine1: "你好",
    demoLine2: "最近怎么样？",
    demoLine3: "TCP 保证这些行按顺序到达",

    ack: "服务器已收到：{line}",
    ackFromWorker: "服务器已收到：{line}（工作线程 {id}）",
    ackTooLong: "服务器已收到：{bytes} 字节（太长，不回显）",
    goodbye: "服务器：正在关闭，再见",
    lineTooLong: "错误：这一行超过 {max} 字节，连接已关闭",
  },
});
