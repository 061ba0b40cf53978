/**
 * What the tools say, in English and Chinese: the benchmark's `--help`, progress lines, table
 * headings and notes; the echo server's, the capture's, the decoder's and the compiler's help and
 * errors. Tool names, flags, units and numbers stay as they are.
 *
 * The benchmark's table is worded in the reader's language, its JSON in English: a row keeps
 * both, as {@linkcode Words}.
 *
 * @module
 */

import { defineText, type Holes, type Lang, lang, LANGS, type Text } from "../cli/i18n.ts";

/** The tools' sentences. */
export const toolsText = defineText({
  en: {
    exitCode: "exit code {code}",

    // bench
    benchUsage: `Usage: deno task bench [--quick] [--size SIZE] [--json FILE] [--only LIST]

Runs our programs beside their peers on loopback and prints one table: our figure, the peer's
from the same run, and the ratio. Files go to a folder under {work}, removed at the end.

The WebSocket rows' peer is a Node.js broadcast server on the ws package, which the benchmark
never installs. Once, in the project folder:
  {install}

Options:
  --size SIZE     file size for the transfer row, such as 256M or 1G (default 1G)
  --quick         small loads, under 30 s (what the tests run)
  --json FILE     also write the figures as JSON (the task may write bench-results.json)
  --only LIST     run only these sections, such as 1,3 (1 file transfer, 2 LP requests,
                  3 chat fan-out, 4 idle memory and heartbeat lag, 5 concurrency models)`,
    benchBadSize: 'Invalid --size "{value}": expected 1 byte to 64G',
    benchBadOnly: 'Invalid --only "{value}": expected sections 1 to 5',
    benchInterrupted: "interrupted; children stopped and files removed",
    benchFailed: "benchmark failed",
    benchCannotWrite: "cannot write {path} (the task may write bench-results.json)",
    benchHeader: "Loopback, {cpus} CPUs, Deno {deno}, {mode}; ratio = ours / peer",
    benchQuickMode: "quick mode",
    benchFullRun: "full run",
    benchStopping: "The benchmark is stopping",
    colSection: "#",
    colMeasure: "measure",
    colOurs: "ours",
    colPeer: "peer",
    colPeerValue: "peer value",
    colRatio: "ratio",
    colTarget: "target",
    colMet: "met",
    colNote: "note",
    metYes: "yes",
    metNo: "NO",
    sayFile: "1. file transfer: writing {size} of random bytes",
    sayThroughChat: "   through chat-server and chat-client",
    sayThroughChatTls: "   through chat-server and chat-client, both with --tls",
    sayThrough: "   through {peer}",
    saySequential: "2. LP requests: sequential",
    sayPipelined: "   pipelined: {count} from one client, then {clients} clients",
    saySeed: "   the seed's experiment: lp-client --repeat {count}",
    sayFanout: "3. chat fan-out: {clients} clients, one sender at {rate} msg/s",
    sayFanoutRate: "   {clients} clients, {senders} senders flat out",
    sayBigFanout: "   {clients} clients, one sender at {rate} msg/s, {timed} of them timed",
    sayWsPeer: "   the WebSocket peer: Node.js with ws {version}, on port {port}",
    sayWsFanout: "   WebSocket: {clients} clients, one sender at {rate} msg/s",
    sayWsFanoutRate: "   WebSocket: {clients} clients, {senders} senders flat out",
    sayMemory:
      "4. idle memory: 0 and {clients} idle members, each sending a heartbeat every {seconds} s",
    sayMemoryEcho: "   the echo server: 0 and {clients} idle connections, sent the same bytes",
    sayModels: "5. concurrency models: compare-servers",
    measureUpload: "upload MB/s ({size}, SHA-256 checked)",
    measureDownload: "download MB/s ({size}, SHA-256 checked)",
    measureUploadTls: "upload over TLS, MB/s ({size}, SHA-256 checked)",
    measureDownloadTls: "download over TLS, MB/s ({size}, SHA-256 checked)",
    measureSeqRate: "sequential LP time requests/s",
    measureSeqP50: "sequential p50 latency ms",
    measureSeqP50OneCpu: "sequential p50 latency ms, both ends on one CPU",
    measureSeqTlsP50: "sequential p50 latency over TLS, ms",
    peerPlainLp: "the same over plain TCP",
    peerPlainFile: "ours over plain TCP",
    peerOurUpload: "our upload, same rounds",
    sayTls: "2. LP requests over TLS: sequential",
    measureSeqP99: "sequential p99 latency ms",
    measurePipeOne: "pipelined, {count} from 1 client, req/s",
    measurePipeMany: "pipelined, {clients} clients x {each}, req/s",
    measureSeed: "seed's experiment: {count} requests, total ms",
    measureFanP50: "fan-out {clients} clients, p50 delivery ms",
    measureFanP99: "fan-out {clients} clients, p99 delivery ms",
    measureFanRate: "fan-out {clients} clients, {senders} senders, deliveries/s",
    measureBigP50: "fan-out {clients} clients at {rate} msg/s, p50 delivery ms",
    measureBigP99: "fan-out {clients} clients at {rate} msg/s, p99 delivery ms",
    noteSampled: "1 client in {every} timed ({timed}), the rest read every 100 ms",
    noteNcatSelect:
      "ncat not run: it waits with select(), which takes no descriptor from {most} (FD_SETSIZE) up",
    measureWsP50: "WebSocket fan-out {clients} clients, p50 delivery ms",
    measureWsP99: "WebSocket fan-out {clients} clients, p99 delivery ms",
    measureWsRate: "WebSocket fan-out {clients} clients, {senders} senders, deliveries/s",
    measureStoredP99: "stored fan-out {clients} clients, p99 delivery ms",
    measureStoredRate: "stored fan-out {clients} clients, {senders} senders, deliveries/s",
    peerInMemory: "the same, storing nothing",
    measureHistoryJoin: "join with 50 of history, {count} stored, ms",
    sayHistoryJoin: "   a join's history, with {count} messages stored (made in bulk first)",
    noHistory: "the server replayed fewer than 50 messages",
    sayStored: "   {clients} clients, every message stored, beside the same server storing nothing",
    measureRssEmpty: "server RSS, no clients, MiB",
    measureRssFull: "server RSS, {clients} idle clients, MiB",
    measurePerClient: "bytes per idle client",
    measureLagP99: "heartbeat lag p99, {clients} members, ms",
    measureLagMax: "heartbeat lag max, {clients} members, ms",
    noteProbe: "probe p99 {aloneP99} -> {crowdP99} ms, max {aloneMax} -> {crowdMax} ms",
    measureModel: "{model}, {clients} clients, round trips/s",
    measureModels: "compare-servers round trips/s",
    peerNc: "nc to a file",
    peerSocat: "socat -b 131072 to a file",
    peerNcVerified: "nc, openssl SHA-256 on both ends",
    peerFloor: "floor: nc + 2 SHA-256",
    measureUploadCpu: "upload CPU-s per GiB, both ends",
    measureDownloadCpu: "download CPU-s per GiB, both ends",
    noteFloor: "nc {nc} + SHA-256 {sha} per side (node:crypto, timed in this run)",
    peerNcatSsl: "ncat --ssl to a file",
    peerSocatSsl: "socat -b 131072 OPENSSL to a file",
    peerEcho: "Deno echo, {size} B",
    peerEchoWrites: "Deno echo, {size} B, 1 write/frame",
    peerEchoBurst: "Deno echo, {size} B, {count} pipelined",
    peerEchoServer: "Deno echo server",
    peerConcurrent: "concurrent model",
    peerWsBroadcast: "Node.js ws {version} broadcast",
    targetEcho: "<= 1.25x echo",
    noteSep: "; ",
    noteComma: ", ",
    noteMissing: "missing: {tool} is not installed",
    noteCannotPin: "taskset could not put the processes on one CPU",
    probeTimedOut: "the probe gave no answer within {ms} ms",
    probeBadReply: "the probe answered something else: {line}",
    noteRound: "round {round} of {rounds}: {note}",
    noteByRound: "round by round, upload {up} MB/s, download {down}",
    noteGivenBack:
      "memory handed back to the VM's host meanwhile, upload {up} MiB, download {down}",
    noteMissingNode:
      "missing: node is not installed; install Node.js, then in the project folder: {command}",
    noteMissingWs: "missing: the ws package is not in {dir}; in the project folder: {command}",
    noteWsVersion: "ws {version} installed, not the pinned {pinned}: {command}",
    noteNoWsScript: "the compiled benchmark has no WebSocket peer: run deno task bench",
    noteFailed: "{what} failed: {why}",
    noteCold: "ours from a fresh lp-client process, cold",
    noteSuite: "socat's two ends agreed on {suite}",
    noteTlsCost: "ratio = TLS / plain: what TLS costs us",
    noteLost: "{who}: {missing} of {expected} deliveries missing",
    noteOurs: "ours",
    noteDropped: "{who}: the server closed {dropped} of {clients} members",
    notePeak: "peak {mib} MiB",
    differentDownload: "the downloaded file differs from the original (SHA-256 {sha256})",
    cannotUnpin: "taskset could not give process {pid} back its CPUs ({cpus})",
    differentFile: "{peer} delivered a different file ({size} bytes)",
    differentDigest: "openssl's two SHA-256s are not the file's: {digests}",
    noMemory: "cannot read the server's memory",
    noResult: "{what}: no result within {ms} ms",
    serverClosed: "the server closed the connection",
    closedWhileJoining: "the chat server closed the connection while joining",
    closedWhileGreeting: "ncat closed the connection while greeting",
    wsNotOpened: "cannot open {url}: {why}",
    noLineWithin: "{name}: no line matching {pattern} within {ms} ms",
    exitedBefore: "{name} exited before printing {pattern}: {said}",

    // bench:echo
    echoUsage: `Usage: deno task bench:echo [--port PORT]

The benchmark's yardstick: a TCP echo server on 127.0.0.1 with no framing. Whatever a client
writes comes back as it is. Ctrl-C stops it.

Options:
  --port PORT     port to listen on (default 0: any free port, printed at start)`,

    // capture
    captureUsage: `Usage: deno task capture [options]

Record loopback traffic on the lab's ports to a pcapng file until Ctrl-C.

Options:
  --out FILE      where to write (default: capture.pcapng)
  --port LIST     comma-separated TCP ports (default: {ports})
  --interface IF  capture interface (default: lo)
  --duration SEC  stop by itself after this many seconds`,
    captureBadDuration: 'Invalid duration "{value}": expected seconds above 0',
    captureNoTool:
      "neither dumpcap nor tshark is installed (on Debian or Ubuntu: apt-get install tshark)",
    captureStopped: "{tool} stopped with exit code {code}",
    captureDenied: "{reason} (is capturing allowed? run as root or join the wireshark group)",
    captureRecording: "{tool} is recording {filter} on {interface}; press Ctrl-C to stop",
    captureSaved: "saved {file}; decode it with: deno task decode {file}",
    captureSavedPackets:
      "saved {file} ({count|packet|packets}); decode it with: deno task decode {file}",

    // decode
    decodeUsage: `Usage: deno task decode FILE [options]

Print a capture with LP frames decoded by docs/wireshark/lp.lua (needs tshark).

Options:
  --filter EXPR   a Wireshark display filter (default: lp), e.g. 'lp.kind == 1'
  --detail        print every field of every frame, not one line per packet`,
    decodeOneFile: "Expected one capture file",
    decodeNoTshark: "tshark is not installed (on Debian or Ubuntu: apt-get install tshark)",
    decodeStopped: "tshark stopped with exit code {code}",

    // compile
    compileUsage: `Usage: deno task compile NAME [deno compile flags]

Builds dist/NAME, a standalone executable of the program that "deno task NAME" runs, with the
same permission flags. The first build downloads Deno's runtime (denort) from dl.deno.land;
offline, set DENORT_BIN to a denort binary. Each program also has its own task,
"deno task compile:NAME".

Options:`,
    compileNeedsTask: "expected a task name",
    compileDownloadFailed:
      "cannot download Deno's runtime (denort) from dl.deno.land: set DENORT_BIN to a denort binary, or run where that site is reachable",
    compileMissingRuntime: 'DENORT_BIN is "{path}": {why}',
    compileNotFound: "not found",
    compileCannotRun: "cannot run deno (it must be on PATH)",
  },
  zh: {
    exitCode: "退出码 {code}",

    benchUsage: `用法：deno task bench [--quick] [--size SIZE] [--json FILE] [--only LIST]

在回环接口上把我们的程序与对照程序并排运行，打印一张表：我们的数字、同一次运行中对照程序的
数字，以及两者的比值。测试文件放在 {work} 下的一个文件夹里，结束时删除。

WebSocket 各行的对照程序是基于 ws 包的 Node.js 广播服务器，基准测试从不自动安装它。
只需在项目文件夹中运行一次：
  {install}

选项：
  --size SIZE     文件传输一行所用的文件大小，如 256M 或 1G（默认 1G）
  --quick         小负载，30 秒以内（测试运行的就是它）
  --json FILE     同时把数字写成 JSON（该任务只允许写 bench-results.json）
  --only LIST     只运行这些部分，如 1,3（1 文件传输，2 LP 请求，3 聊天广播，
                  4 空闲内存与心跳延迟，5 并发模型）`,
    benchBadSize: "无效的 --size“{value}”：应为 1 字节到 64G",
    benchBadOnly: "无效的 --only“{value}”：应为 1 到 5 之间的部分编号",
    benchInterrupted: "已中断；子进程已停止，文件已删除",
    benchFailed: "基准测试失败",
    benchCannotWrite: "无法写入 {path}（该任务只允许写 bench-results.json）",
    benchHeader: "回环接口，{cpus} 个 CPU，Deno {deno}，{mode}；比值 = 我们的 / 对照程序的",
    benchQuickMode: "快速模式",
    benchFullRun: "完整运行",
    benchStopping: "基准测试正在停止",
    colSection: "#",
    colMeasure: "测量项",
    colOurs: "我们的",
    colPeer: "对照程序",
    colPeerValue: "对照值",
    colRatio: "比值",
    colTarget: "目标",
    colMet: "达标",
    colNote: "备注",
    metYes: "是",
    metNo: "否",
    sayFile: "1. 文件传输：写入 {size} 随机字节",
    sayThroughChat: "   经由 chat-server 和 chat-client",
    sayThroughChatTls: "   经由 chat-server 和 chat-client，两端都加 --tls",
    sayThrough: "   经由 {peer}",
    saySequential: "2. LP 请求：逐个发送",
    sayPipelined: "   流水线：先由一个客户端发 {count} 个，再由 {clients} 个客户端同时发",
    saySeed: "   种子实验：lp-client --repeat {count}",
    sayFanout: "3. 聊天广播：{clients} 个客户端，一个发送者每秒发 {rate} 条",
    sayFanoutRate: "   {clients} 个客户端，{senders} 个发送者全速发送",
    sayBigFanout: "   {clients} 个客户端，一个发送者每秒发 {rate} 条，其中 {timed} 个计时",
    sayWsPeer: "   WebSocket 对照程序：Node.js 与 ws {version}，端口 {port}",
    sayWsFanout: "   WebSocket：{clients} 个客户端，一个发送者每秒发 {rate} 条",
    sayWsFanoutRate: "   WebSocket：{clients} 个客户端，{senders} 个发送者全速发送",
    sayMemory: "4. 空闲内存：0 个和 {clients} 个空闲成员，每人每 {seconds} 秒发一次心跳",
    sayMemoryEcho: "   回显服务器：0 个和 {clients} 个空闲连接，收到同样的字节",
    sayModels: "5. 并发模型：compare-servers",
    measureUpload: "上传 MB/s（{size}，已校验 SHA-256）",
    measureDownload: "下载 MB/s（{size}，已校验 SHA-256）",
    measureUploadTls: "经 TLS 上传，MB/s（{size}，已校验 SHA-256）",
    measureDownloadTls: "经 TLS 下载，MB/s（{size}，已校验 SHA-256）",
    measureSeqRate: "逐个发送的 LP 时间请求，次/秒",
    measureSeqP50: "逐个发送，p50 延迟 ms",
    measureSeqP50OneCpu: "逐个发送，p50 延迟 ms，两端在同一个 CPU 上",
    measureSeqTlsP50: "逐个发送，经 TLS，p50 延迟 ms",
    peerPlainLp: "同样的请求，不加密的 TCP",
    peerPlainFile: "我们的程序，不加密的 TCP",
    peerOurUpload: "我们的上传，同样几轮",
    sayTls: "2. 经 TLS 的 LP 请求：逐个发送",
    measureSeqP99: "逐个发送，p99 延迟 ms",
    measurePipeOne: "流水线，1 个客户端发 {count} 个，请求/秒",
    measurePipeMany: "流水线，{clients} 个客户端各发 {each} 个，请求/秒",
    measureSeed: "种子实验：{count} 个请求，总 ms",
    measureFanP50: "广播到 {clients} 个客户端，p50 送达 ms",
    measureFanP99: "广播到 {clients} 个客户端，p99 送达 ms",
    measureFanRate: "广播到 {clients} 个客户端，{senders} 个发送者，送达次数/秒",
    measureBigP50: "广播到 {clients} 个客户端，每秒 {rate} 条，p50 送达 ms",
    measureBigP99: "广播到 {clients} 个客户端，每秒 {rate} 条，p99 送达 ms",
    noteSampled: "每 {every} 个客户端计时一个（共 {timed} 个），其余每 100 ms 读一次",
    noteNcatSelect:
      "未运行 ncat：它用 select() 等待，而 select() 不接受 {most}（FD_SETSIZE）及以上的描述符",
    measureWsP50: "WebSocket 广播到 {clients} 个客户端，p50 送达 ms",
    measureWsP99: "WebSocket 广播到 {clients} 个客户端，p99 送达 ms",
    measureWsRate: "WebSocket 广播到 {clients} 个客户端，{senders} 个发送者，送达次数/秒",
    measureStoredP99: "保存消息时广播到 {clients} 个客户端，p99 送达 ms",
    measureStoredRate: "保存消息时广播到 {clients} 个客户端，{senders} 个发送者，送达次数/秒",
    peerInMemory: "同一服务器，不保存消息",
    measureHistoryJoin: "加入并收到 50 条历史消息（已存 {count} 条），ms",
    sayHistoryJoin: "   加入时的历史消息，数据库里已有 {count} 条（先批量生成）",
    noHistory: "服务器重放的历史消息不足 50 条",
    sayStored: "   {clients} 个客户端，每条消息都保存，对照不保存消息的同一服务器",
    measureRssEmpty: "服务器 RSS，无客户端，MiB",
    measureRssFull: "服务器 RSS，{clients} 个空闲客户端，MiB",
    measurePerClient: "每个空闲客户端的字节数",
    measureLagP99: "心跳延迟 p99，{clients} 个成员，ms",
    measureLagMax: "心跳延迟最大值，{clients} 个成员，ms",
    noteProbe: "探测往返 p99 {aloneP99} -> {crowdP99} ms，最大 {aloneMax} -> {crowdMax} ms",
    measureModel: "{model}，{clients} 个客户端，往返次数/秒",
    measureModels: "compare-servers 往返次数/秒",
    peerNc: "nc 写入文件",
    peerSocat: "socat -b 131072 写入文件",
    peerNcVerified: "nc，两端用 openssl 算 SHA-256",
    peerFloor: "下限：nc + 2 次 SHA-256",
    measureUploadCpu: "上传每 GiB 的 CPU 秒数，两端合计",
    measureDownloadCpu: "下载每 GiB 的 CPU 秒数，两端合计",
    noteFloor: "nc {nc} + 每端 SHA-256 {sha}（node:crypto，本次运行实测）",
    peerNcatSsl: "ncat --ssl 写入文件",
    peerSocatSsl: "socat -b 131072 OPENSSL 写入文件",
    peerEcho: "Deno 回显，{size} B",
    peerEchoWrites: "Deno 回显，{size} B，每帧写一次",
    peerEchoBurst: "Deno 回显，{size} B，流水线 {count} 个",
    peerEchoServer: "Deno 回显服务器",
    peerConcurrent: "concurrent 模型",
    peerWsBroadcast: "Node.js ws {version} 广播服务器",
    targetEcho: "<= 1.25x 回显",
    noteSep: "；",
    noteComma: "，",
    noteMissing: "缺少：没有安装 {tool}",
    noteCannotPin: "taskset 无法把这些进程放到同一个 CPU 上",
    probeTimedOut: "探测进程在 {ms} ms 内没有回答",
    probeBadReply: "探测进程的回答不对：{line}",
    noteRound: "第 {round} 轮（共 {rounds} 轮）：{note}",
    noteByRound: "逐轮：上传 {up} MB/s，下载 {down}",
    noteGivenBack: "其间交还给虚拟机宿主的内存：上传 {up} MiB，下载 {down}",
    noteMissingNode: "缺少：没有安装 node；请安装 Node.js，然后在项目文件夹中运行：{command}",
    noteMissingWs: "缺少：{dir} 中没有 ws 包；请在项目文件夹中运行：{command}",
    noteWsVersion: "安装的是 ws {version}，不是固定的 {pinned}：{command}",
    noteNoWsScript: "编译后的基准测试不带 WebSocket 对照程序：请用 deno task bench 运行",
    noteFailed: "{what} 失败：{why}",
    noteCold: "我们的数字来自新启动的 lp-client 进程（冷启动）",
    noteSuite: "socat 两端协商的密码套件：{suite}",
    noteTlsCost: "比值 = TLS / 不加密：TLS 的代价",
    noteLost: "{who}：{expected} 次送达中缺了 {missing} 次",
    noteOurs: "我们的",
    noteDropped: "{who}：服务器断开了 {clients} 个成员中的 {dropped} 个",
    notePeak: "峰值 {mib} MiB",
    differentDownload: "下载的文件与原文件不同（SHA-256 {sha256}）",
    cannotUnpin: "taskset 无法把进程 {pid} 放回原来的 CPU（{cpus}）",
    differentFile: "{peer} 传来的文件不同（{size} 字节）",
    differentDigest: "openssl 算出的两个 SHA-256 与文件的不符：{digests}",
    noMemory: "无法读取服务器的内存",
    noResult: "{what}：{ms} ms 内没有结果",
    serverClosed: "服务器关闭了连接",
    closedWhileJoining: "加入聊天室时聊天服务器关闭了连接",
    closedWhileGreeting: "ncat 在打招呼时关闭了连接",
    wsNotOpened: "无法打开 {url}：{why}",
    noLineWithin: "{name}：{ms} ms 内没有输出与 {pattern} 匹配的行",
    exitedBefore: "{name} 还没输出 {pattern} 就退出了：{said}",

    echoUsage: `用法：deno task bench:echo [--port PORT]

基准测试的标尺：127.0.0.1 上不分帧的 TCP 回显服务器。客户端写什么，就原样返回什么。
按 Ctrl-C 停止。

选项：
  --port PORT     监听的端口（默认 0：任一空闲端口，启动时打印）`,

    captureUsage: `用法：deno task capture [选项]

把回环接口上实验端口的流量记录到 pcapng 文件中，直到按下 Ctrl-C。

选项：
  --out FILE      写入的文件（默认：capture.pcapng）
  --port LIST     逗号分隔的 TCP 端口（默认：{ports}）
  --interface IF  抓包的网络接口（默认：lo）
  --duration SEC  过这么多秒后自动停止`,
    captureBadDuration: "无效的时长“{value}”：应为大于 0 的秒数",
    captureNoTool: "dumpcap 和 tshark 都没有安装（Debian 或 Ubuntu 上：apt-get install tshark）",
    captureStopped: "{tool} 已停止，退出码 {code}",
    captureDenied: "{reason}（是否允许抓包？请以 root 运行，或加入 wireshark 组）",
    captureRecording: "{tool} 正在 {interface} 上记录 {filter}；按 Ctrl-C 停止",
    captureSaved: "已保存 {file}；解码命令：deno task decode {file}",
    captureSavedPackets: "已保存 {file}（{count} 个数据包）；解码命令：deno task decode {file}",

    decodeUsage: `用法：deno task decode FILE [选项]

打印一个抓包文件，其中的 LP 帧由 docs/wireshark/lp.lua 解码（需要 tshark）。

选项：
  --filter EXPR   Wireshark 显示过滤器（默认：lp），如 'lp.kind == 1'
  --detail        打印每一帧的每个字段，而不是每个数据包一行`,
    decodeOneFile: "需要一个抓包文件",
    decodeNoTshark: "没有安装 tshark（Debian 或 Ubuntu 上：apt-get install tshark）",
    decodeStopped: "tshark 已停止，退出码 {code}",

    compileUsage: `用法：deno task compile NAME [deno compile 的参数]

构建 dist/NAME：“deno task NAME”所运行程序的独立可执行文件，权限参数与该任务相同。
第一次构建会从 dl.deno.land 下载 Deno 的运行时（denort）；离线时，请把 DENORT_BIN
设为一个 denort 可执行文件。每个程序也有自己的任务“deno task compile:NAME”。

选项：`,
    compileNeedsTask: "需要一个任务名",
    compileDownloadFailed:
      "无法从 dl.deno.land 下载 Deno 的运行时（denort）：请把 DENORT_BIN 设为一个 denort 可执行文件，或在能访问该网站的地方运行",
    compileMissingRuntime: "DENORT_BIN 为“{path}”：{why}",
    compileNotFound: "找不到",
    compileCannotRun: "无法运行 deno（它必须在 PATH 中）",
  },
});

/** The English sentences of {@linkcode toolsText}, with their placeholders. */
type ToolsEnglish = typeof toolsText extends Text<infer E> ? E : never;

/** A key of {@linkcode toolsText}. */
export type ToolsKey = keyof ToolsEnglish & string;

/**
 * One text in every language: the benchmark's table shows the reader's, its JSON the English.
 */
export type Words = Readonly<Record<Lang, string>>;

/** What a sentence of {@linkcode words} needs: a value per placeholder, or one per language. */
export type WordsParams<S extends string> = [Holes<S>] extends [never] ? []
  : [params: { [P in Holes<S>]: string | number | Words }];

/**
 * A sentence of {@linkcode toolsText} in every language. A value given as {@linkcode Words} goes
 * into each language's sentence in that language.
 *
 * @param key Which sentence.
 * @param params A value for each placeholder.
 * @returns The sentence in each language.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(words("peerEcho", { size: 52 }).zh, "Deno 回显，52 B");
 * equal(words("noteLost", { who: words("noteOurs"), missing: 1, expected: 9 }).zh,
 *   "我们的：9 次送达中缺了 1 次");
 * ```
 */
export function words<K extends ToolsKey>(key: K, ...params: WordsParams<ToolsEnglish[K]>): Words {
  const [values = {}] = params as [Record<string, string | number | Words>?];
  const say = toolsText.in as (l: Lang, k: K, p: Record<string, string | number>) => string;
  const each = (l: Lang) =>
    say(
      l,
      key,
      Object.fromEntries(
        Object.entries(values).map(([name, v]) => [name, typeof v === "object" ? v[l] : v]),
      ),
    );
  return Object.fromEntries(LANGS.map((l) => [l, each(l)])) as Record<Lang, string>;
}

/**
 * The same text in every language: a program name, a number, a unit.
 *
 * @param text The text.
 * @returns It, for every language.
 */
export function same(text: string): Words {
  return Object.fromEntries(LANGS.map((l) => [l, text])) as Record<Lang, string>;
}

/**
 * Texts in every language, joined language by language, the empty ones and repeats left out.
 *
 * @param parts The texts.
 * @param separator Between two of them, per language.
 * @returns The joined text in every language.
 */
export function joinWords(parts: readonly Words[], separator: Words = words("noteSep")): Words {
  const join = (l: Lang) => [...new Set(parts.map((p) => p[l]).filter(Boolean))].join(separator[l]);
  return Object.fromEntries(LANGS.map((l) => [l, join(l)])) as Record<Lang, string>;
}

/**
 * An error the tools word themselves, in every language: its message is in the program's
 * language, and the benchmark's JSON takes the English.
 */
export class WordedError extends Error {
  /**
   * @param said The message in every language.
   */
  constructor(readonly said: Words) {
    super(said[lang()]);
    this.name = "WordedError";
  }
}
