/**
 * What the experiments say, in English and Chinese: each one's `--help`, its question, the
 * steps it reports and its answer, and the errors of the tools they run (ss, ip, the capture).
 * The `ss` state names (`ESTAB`, `TIME-WAIT`), commands, flags and numbers stay as they are.
 *
 * @module
 */

import { defineText } from "../cli/i18n.ts";

/** The experiments' sentences. */
export const experimentsText = defineText({
  en: {
    // What every experiment shares.
    question: "Question: {question}",
    answer: "Answer: {answer}",
    numberSep: ", ",
    problemSep: "; ",
    badCount: 'Invalid --{flag} "{value}": expected 1 to {max}',
    badCountSeconds: 'Invalid --{flag} "{value}": expected 1 to {max} seconds',
    notInstalled: '"{cmd}" is not installed',
    exitCode: "exit code {code}",
    timedOutWaiting: "Timed out after {ms} ms waiting for {what}",
    interrupted: "interrupted",
    theProgram: "the program",
    theProgramSaid: 'the program (last said "{last}")',
    endedWithout: "{who} ended without printing {pattern}",
    didNotPrint: "{who} did not print {pattern} in {ms} ms",
    colState: "state",
    colRecvQ: "recv-q",
    colSendQ: "send-q",
    colLocal: "local",
    colPeer: "peer",
    colTimer: "timer",
    client: "client",
    server: "server",
    clientSide: "client side",
    serverSide: "server side",
    listeningSocket: "listening socket",

    // lib/experiments/capture.ts
    captureCannot: "{tool} cannot capture on lo: {reason}",
    captureExited: "it exited",
    noCaptureTool: "neither dumpcap nor tshark is installed (apt-get install tshark)",
    noTshark: "tshark is not installed (apt-get install tshark)",
    captureLate: "the capture did not show the expected packets in {ms} ms",

    // lib/experiments/netns_lab.ts and lab_run.ts
    cannotDeleteNs: "could not delete namespace {ns}: {why}",
    alsoFailed: "{cause}; and {problems}",
    stampSetup: "setup",
    stampCleanup: "cleanup",
    nsRemoved: "namespaces {serverNs} and {clientNs} removed",

    // exp:ports
    portsUsage: `Usage: deno task exp:ports [--count N] [--quick]

Connects to a loopback server N times without bind() and prints each connection's source port.

Options:
  --count N       how many connects (default {count}, at most 100)
  --quick         three connects (for tests)`,
    portsQuestion: "Does a client need bind(), and does its source port change on every connect()?",
    portsServer: "Server: bound and listening on 127.0.0.1:{port} (the port clients dial)",
    portsConnect: "connect #{n}: no bind(); the kernel gave it 127.0.0.1:{port}{step}",
    portsAnswer:
      "{count|connect|connects}, {distinct|different source port|different source ports}, none of them chosen by us.",
    portsInRange: "All are in {low}-{high}, Linux's default ephemeral range.",
    portsOutOfRange:
      "Some are outside {low}-{high}: this machine's ephemeral range differs from Linux's default.",

    // exp:backlog
    backlogUsage: `Usage: deno task exp:backlog [--clients N] [--quick]

A server listens but does not accept; N clients connect and send a line anyway.

Options:
  --clients N     how many clients (default {clients}, at most 50)
  --quick         same as the default (kept for symmetry with the other experiments)`,
    backlogQuestion:
      "If the server sits between listen() and accept(), does a client's connect() succeed?",
    backlogHello: "hello from client {k}, sent before any accept()",
    backlogNoListener: "ss shows no listening socket on port {port}",
    backlogServer: "Server: listen() on 127.0.0.1:{port}, and no accept() yet",
    backlogConnected: "client {n}: connect() succeeded in {ms} ms; wrote a line",
    backlogSockets: "The kernel's sockets before any accept() (ss -tan):",
    backlogListener:
      "recv-q = {queued} connections in the accept queue, send-q = backlog {backlog}",
    backlogWaiting: "server side, not accepted; {bytes} bytes waiting",
    backlogFinds: 'accept() #{n} finds waiting: "{line}"',
    backlogAnswer:
      "yes. All {count} connects succeeded and their data arrived before any accept(); the listener's queue held {queued} (limit {limit}).",

    // exp:four-tuple
    fourTupleUsage: `Usage: deno task exp:four-tuple [--clients N] [--quick]

Connects N clients to one loopback server and shows how the server's sockets differ.

Options:
  --clients N     how many clients (default {clients}, at most 20)
  --quick         same as the default (kept for symmetry with the other experiments)`,
    fourTupleQuestion: "How does a server tell which client a packet belongs to?",
    fourTupleIAm: "I am client {k}",
    fourTupleYouAre: "you are {remote}",
    fourTupleServer:
      "Server listening on 127.0.0.1:{port}; {count|client connects|clients connect} from 127.0.0.1",
    fourTupleAccepted: 'accepted connection {n}: local {local}, peer {remote}, says "{said}"',
    fourTupleHears: "client {n} hears: {reply}",
    fourTupleSockets: "The kernel's TCP sockets on port {port} (ss -tan):",
    fourTupleAnswer:
      "every server-side socket has the local end 127.0.0.1:{port}; the {peers} peers differ only in their port. The 4-tuple picks the socket.",

    // exp:coalesce
    coalesceUsage: `Usage: deno task exp:coalesce [--count N] [--quick]

N small writes to a loopback server that reads late: how many TCP segments, how many reads?
Counting segments needs tshark (and dumpcap, or root); without it only reads are counted.

Options:
  --count N       how many writes (default {count}, at most 10000)
  --quick         Nagle's algorithm on only (the default also repeats the run with TCP_NODELAY)`,
    coalesceQuestion: "Do {count} quick send() calls give {count} TCP segments?",
    coalesceNagle: "Nagle's algorithm on (the default)",
    coalesceNoDelay: "TCP_NODELAY (Nagle off)",
    coalesceRun:
      "{sends} writes to 127.0.0.1:{port}, {bytes} bytes in all, {how}; the server reads only afterwards",
    coalesceSegments: "  capture: {count} TCP segments carried them (payload bytes: {sizes})",
    coalesceNoCount: "  capture: no segment count ({why})",
    coalesceReads: "  server: {reads} read() call(s) returned the {bytes} bytes",
    coalesceIntact: "  split at the newlines, they are the {sends} messages, in order: none lost",
    coalesceDiffer: "  the bytes that arrived differ from the bytes sent",
    coalesceAnswerSegments:
      "no. {count} send() calls became {segments} segment(s) on the wire and {reads} read() call(s) at the server; {verdict}",
    coalesceAnswer:
      "no. {count} send() calls became {reads} read() call(s) at the server; {verdict}",
    coalesceAllArrived: "every byte arrived.",
    coalesceSomeDiffer: "SOME BYTES DIFFER.",

    // exp:tls
    tlsUsage: `Usage: deno task exp:tls

The same short chat session, captured without TLS and with it, printed as Wireshark reads it with
docs/wireshark/lp.lua; then the TLS capture again, decrypted with the client's key log.
Needs tshark, dumpcap (or root) and deno on PATH. Works in .exp-tls, removed at the end.

Options:
  --quick         the same run (it is already short)`,
    tlsQuestion:
      "What can anyone with Wireshark on your network read of a chat session, and what does TLS leave them?",
    tlsSession:
      'The session, run twice by the real chat-server and chat-client: ann joins, says "{message}", uploads {file}, and leaves.',
    tlsMessage: "meet at the library at 8, bring the answers",
    tlsFileText: "Answers to problem set 3: 1) 42  2) TIME-WAIT  3) Nagle\n",
    tlsPlainHeading: "1. Plain TCP (chat-server on 127.0.0.1:{port}). What Wireshark shows:",
    tlsTlsHeading: "2. The same session with --tls (chat-server on 127.0.0.1:{port}):",
    tlsKeyLogHeading:
      "3. The TLS capture again, with the {secrets} secrets Deno's TLS wrote to the client's SSLKEYLOGFILE:",
    tlsNoKeyLog:
      "3. The client wrote no key log (SSLKEYLOGFILE): this Deno does not export TLS secrets, so the capture stays opaque.",
    tlsFromClient: "client → server",
    tlsFromServer: "server → client",
    tlsFrames: "  {packets} packets with data; the dissector read {frames} LP frames in them",
    tlsGrep: "  grep in the raw capture: the sentence {message}, the file's bytes {file}",
    tlsFound: "FOUND",
    tlsNotFound: "not found",
    tlsAnswer:
      "without TLS, anyone who captures the traffic reads every frame ({plainFrames} here): names, messages, file contents. With TLS they read {tlsFrames}: only addresses, ports, timing, record sizes and the protocol name (ALPN) stay visible. Whoever holds the session secrets reads everything again ({decryptedFrames} frames), so keep SSLKEYLOGFILE for debugging your own traffic.",
    tlsAnswerNoKeyLog:
      "without TLS, anyone who captures the traffic reads every frame ({plainFrames} here): names, messages, file contents. With TLS they read {tlsFrames}: only addresses, ports, timing, record sizes and the protocol name (ALPN) stay visible.",

    // exp:time-wait
    timeWaitUsage: `Usage: deno task exp:time-wait [--quick]

Closes a loopback connection from each side in turn and shows the TCP states with ss.

Options:
  --quick         do not wait the minute for TIME-WAIT to end`,
    timeWaitQuestion: "Which TCP state follows a client's close, and how long does it last?",
    timeWaitForFin: "the first FIN to be acknowledged",
    timeWaitForAppear: "TIME-WAIT to appear",
    timeWaitForEnd: "TIME-WAIT to end",
    timeWaitStill: "  after {s} s: still TIME-WAIT, {left} s left",
    timeWaitClosedFirst: "{who} (closed first)",
    timeWaitFirstCloses: "The {who} closes first; the other side reads end-of-stream (ss -tano):",
    timeWaitThenOther: "Then the other side closes too:",
    timeWaitRelisten: "Listening again on 127.0.0.1:{port} during its TIME-WAIT: {result}",
    timeWaitRelistenOk: "succeeded (Deno sets SO_REUSEADDR on listeners)",
    timeWaitRelistenFailed: "failed: {why}",
    timeWaitWatching:
      "Watching the client's TIME-WAIT socket {local} until it goes (Ctrl-C to stop):",
    timeWaitGone: "  gone after {s} s",
    timeWaitLasted: "; it lasted {s} s",
    timeWaitAnswer:
      "the side that closes first goes FIN-WAIT-2, then TIME-WAIT (the kernel's timer read {timer} s{lasted}); the other side goes CLOSE-WAIT until it closes, and keeps no TIME-WAIT.",

    // exp:pulled-cable
    pulledCableUsage: `Usage: sudo deno task exp:pulled-cable [--heartbeat N] [--quick]

Builds two network namespaces joined by a veth pair, runs lp_server and lp_client across it,
pulls the client's cable (link down) and shows what the server sees. Needs root and iproute2.

Options:
  --heartbeat N   the server's heartbeat interval in seconds (default {heartbeat}; 1 to 10)
  --quick         --heartbeat {quick} (for tests)`,
    pulledCableQuestion:
      "What does the server see when a client's cable is pulled, and how can it find out?",
    pulledCableNeedsRoot: "needs root to create network namespaces (run it with sudo)",
    pulledCableLab:
      "namespaces {serverNs} ({serverIp}) and {clientNs} ({clientIp}), joined by the veth pair {serverIf} <-> {clientIf}",
    pulledCableListens: "lp_server listens on {ip}:{port} in namespace {ns}, heartbeat {s} s",
    pulledCableRegistered: "lp_client in {ns} ({ip}) is registered as client {id}",
    pulledCableServerSockets: "server's sockets (ss -tano in {ns}):",
    pulledCablePulled: "cable pulled: {command}",
    pulledCableSocketAtPull: "server's socket for client {id}: {state}",
    pulledCableGone: "gone",
    pulledCableAreYouThere: "are you there?",
    pulledCableMessageFails: "a message to client {id} fails: {error}",
    pulledCableStill: "server's sockets now: the connection is still {state}",
    pulledCableEvicts: "the server evicts client {id}: {reason}",
    pulledCableAfterEviction:
      "server's sockets after the eviction (the server closed; its FIN cannot get through either):",
    pulledCableUnaware: "client's sockets (ss in {ns}): it has noticed nothing",
    pulledCableBack: "cable back: {command}",
    pulledCableOldClient: "old client prints: {line}",
    pulledCableReconnectFailed: "reconnecting failed: {why}",
    pulledCableNewWorks: "a new connection from the client's namespace works:",
    pulledCableAnswer:
      "nothing arrives when a cable is pulled. The server's socket stayed {state} after a message to the client had failed; only the heartbeat found out, evicting the client {after} s after the pull (3 intervals of {heartbeat} s after its last heartbeat). With the cable back, a new connection works.",

    // exp:models
    modelsUsage: `Usage: deno task exp:models [--quick]

Runs the concurrent-server models under I/O-bound and CPU-bound work and prints a table each.

Options:
  --quick         one small I/O-bound run of the concurrent and pool models (for tests)`,
    modelsQuestion: "One thread per client, or a thread pool?",
    modelsIoTitle:
      "each message waits {ms} ms on a timer in the server (I/O-bound, like a database call)",
    modelsIoShortTitle: "each message waits {ms} ms on a timer in the server (I/O-bound)",
    modelsCpuTitle: "each message computes for {ms} ms in the server (CPU-bound)",
    modelsScenario: "{title}; {clients} clients, {rounds} round trip(s) each:",
    modelsIoConclusion:
      "With {most} clients and {ms} ms of waiting per message, one task per client answered with p99 {p99}; the pool of {pool} served them in waves, p99 {poolP99}: a client beyond the {pool}th waits for a free worker.",
    modelsCpuConclusion:
      "With {most} clients and {ms} ms of CPU per message, one event loop runs one handler at a time (concurrent: {concurrent} round trips/s); real threads use the other cores (workers: {workers}/s).",
    modelsAnswer:
      "for clients that mostly wait, one task (or thread) per client; a pool caps what the server spends, at the price of queueing the clients beyond its size.",

    // exp:race
    raceUsage: `Usage: deno task exp:race [options]

Worker threads add 1 to one shared counter, three ways: plain, Atomics.add, and a mutex.

Options:
  --threads N     worker threads (default {threads}, at most {maxThreads})
  --increments N  increments per thread (default {increments}, at most {maxIncrements})
  --quick         {quickThreads} threads, {quickIncrements} increments each (for tests)`,
    raceQuestion: "When do threads need a lock, and why does an event loop not?",
    raceIntro: "{threads} threads each add 1 to one shared counter {increments} times.",
    raceExpected: "Expected total: {expected}",
    raceTotal: "total {total}",
    raceExact: "exact",
    raceLost: "lost {lost} updates ({percent}%)",
    raceThreadFailed: "thread {id}: {message}",
    raceTooSlow: "the {way} run took over {s} s; try fewer --increments",
    raceSeenLost: "the plain read-add-write lost {lost} of {expected} updates",
    raceSeenNone:
      "the plain read-add-write lost none this time (the threads did not overlap; run it again)",
    raceAnswer:
      "whenever threads update the same memory: {seen}. Atomics.add was exact, and so was the mutex, {factor}x slower than Atomics.add. An event loop runs one task at a time and switches only at await, so its read-add-write is never interleaved.",
  },
  zh: {
    question: "问题：{question}",
    answer: "答案：{answer}",
    numberSep: "、",
    problemSep: "；",
    badCount: "无效的 --{flag}“{value}”：应为 1 到 {max}",
    badCountSeconds: "无效的 --{flag}“{value}”：应为 1 到 {max} 秒",
    notInstalled: "没有安装“{cmd}”",
    exitCode: "退出码 {code}",
    timedOutWaiting: "等待“{what}”超时（{ms} ms）",
    interrupted: "已中断",
    theProgram: "该程序",
    theProgramSaid: "该程序（最后输出“{last}”）",
    endedWithout: "{who}没有输出 {pattern} 就结束了",
    didNotPrint: "{who}在 {ms} ms 内没有输出 {pattern}",
    colState: "状态",
    colRecvQ: "recv-q",
    colSendQ: "send-q",
    colLocal: "本端",
    colPeer: "对端",
    colTimer: "计时器",
    client: "客户端",
    server: "服务器",
    clientSide: "客户端一侧",
    serverSide: "服务器一侧",
    listeningSocket: "监听套接字",

    captureCannot: "{tool} 无法在 lo 上抓包：{reason}",
    captureExited: "它已退出",
    noCaptureTool: "dumpcap 和 tshark 都没有安装（apt-get install tshark）",
    noTshark: "没有安装 tshark（apt-get install tshark）",
    captureLate: "抓包在 {ms} ms 内没有出现预期的数据包",

    cannotDeleteNs: "无法删除网络命名空间 {ns}：{why}",
    alsoFailed: "{cause}；此外，{problems}",
    stampSetup: "准备",
    stampCleanup: "清理",
    nsRemoved: "已删除网络命名空间 {serverNs} 和 {clientNs}",

    portsUsage: `用法：deno task exp:ports [--count N] [--quick]

不调用 bind()，向回环地址上的服务器连接 N 次，并打印每个连接的源端口。

选项：
  --count N       连接次数（默认 {count}，最多 100）
  --quick         只连接三次（供测试使用）`,
    portsQuestion: "客户端需要调用 bind() 吗？每次 connect() 的源端口都会变吗？",
    portsServer: "服务器：已绑定并监听 127.0.0.1:{port}（客户端要连接的端口）",
    portsConnect: "第 {n} 次 connect：没有 bind()；内核分配了 127.0.0.1:{port}{step}",
    portsAnswer: "{count} 次连接，{distinct} 个不同的源端口，没有一个是我们自己选的。",
    portsInRange: "全部在 {low}-{high} 之内，即 Linux 默认的临时端口范围。",
    portsOutOfRange: "有些不在 {low}-{high} 之内：本机的临时端口范围与 Linux 的默认值不同。",

    backlogUsage: `用法：deno task exp:backlog [--clients N] [--quick]

服务器只监听、不 accept；N 个客户端照样连接并发送一行。

选项：
  --clients N     客户端个数（默认 {clients}，最多 50）
  --quick         与默认相同（为与其他实验一致而保留）`,
    backlogQuestion: "服务器调用了 listen() 但还没有 accept() 时，客户端的 connect() 能成功吗？",
    backlogHello: "来自客户端 {k} 的问候，在任何 accept() 之前发出",
    backlogNoListener: "ss 没有显示端口 {port} 上的监听套接字",
    backlogServer: "服务器：在 127.0.0.1:{port} 上 listen()，还没有 accept()",
    backlogConnected: "客户端 {n}：connect() 用 {ms} ms 成功；已写入一行",
    backlogSockets: "任何 accept() 之前，内核中的套接字（ss -tan）：",
    backlogListener: "recv-q = 全连接队列中的 {queued} 个连接，send-q = backlog {backlog}",
    backlogWaiting: "服务器一侧，尚未 accept；{bytes} 字节在等待",
    backlogFinds: "第 {n} 次 accept() 发现已在等待的数据：“{line}”",
    backlogAnswer:
      "能。全部 {count} 次 connect 都成功了，数据也在任何 accept() 之前就已到达；监听套接字的队列中有 {queued} 个连接（上限 {limit}）。",

    fourTupleUsage: `用法：deno task exp:four-tuple [--clients N] [--quick]

让 N 个客户端连接同一个回环地址上的服务器，显示服务器的各个套接字有何不同。

选项：
  --clients N     客户端个数（默认 {clients}，最多 20）
  --quick         与默认相同（为与其他实验一致而保留）`,
    fourTupleQuestion: "服务器怎样分辨一个数据包属于哪个客户端？",
    fourTupleIAm: "我是客户端 {k}",
    fourTupleYouAre: "你是 {remote}",
    fourTupleServer: "服务器监听 127.0.0.1:{port}；{count} 个客户端从 127.0.0.1 连接",
    fourTupleAccepted: "接受的连接 {n}：本端 {local}，对端 {remote}，说“{said}”",
    fourTupleHears: "客户端 {n} 收到：{reply}",
    fourTupleSockets: "内核中端口 {port} 上的 TCP 套接字（ss -tan）：",
    fourTupleAnswer:
      "服务器一侧的每个套接字，本端都是 127.0.0.1:{port}；这 {peers} 个对端只有端口不同。是四元组选出了套接字。",

    coalesceUsage: `用法：deno task exp:coalesce [--count N] [--quick]

向一个很晚才读取的回环服务器做 N 次小的写入：产生多少个 TCP 报文段，需要几次读取？
统计报文段需要 tshark（以及 dumpcap，或 root 权限）；没有它们时只统计读取次数。

选项：
  --count N       写入次数（默认 {count}，最多 10000）
  --quick         只运行开启 Nagle 算法的一轮（默认还会用 TCP_NODELAY 再运行一轮）`,
    coalesceQuestion: "快速调用 {count} 次 send()，会产生 {count} 个 TCP 报文段吗？",
    coalesceNagle: "开启 Nagle 算法（默认）",
    coalesceNoDelay: "TCP_NODELAY（关闭 Nagle）",
    coalesceRun: "向 127.0.0.1:{port} 写入 {sends} 次，共 {bytes} 字节，{how}；服务器之后才读取",
    coalesceSegments: "  抓包：承载它们的 TCP 报文段共 {count} 个（载荷字节数：{sizes}）",
    coalesceNoCount: "  抓包：无法统计报文段（{why}）",
    coalesceReads: "  服务器：{reads} 次 read() 调用读到了这 {bytes} 字节",
    coalesceIntact: "  按换行符切分，正是那 {sends} 条消息，顺序不变：一条也没丢",
    coalesceDiffer: "  收到的字节与发送的字节不一致",
    coalesceAnswerSegments:
      "不会。{count} 次 send() 调用在线路上变成了 {segments} 个报文段，在服务器端变成了 {reads} 次 read() 调用；{verdict}",
    coalesceAnswer:
      "不会。{count} 次 send() 调用在服务器端变成了 {reads} 次 read() 调用；{verdict}",
    coalesceAllArrived: "每个字节都到达了。",
    coalesceSomeDiffer: "有字节不一致！",

    // exp:tls
    tlsUsage: `用法：deno task exp:tls

同一段简短的聊天会话，分别在不用 TLS 和使用 TLS 时抓包，按 Wireshark 加载 docs/wireshark/lp.lua
后看到的样子打印；再用客户端的密钥日志解密 TLS 抓包，重新打印。
需要 tshark、dumpcap（或 root 权限）以及 PATH 上的 deno。在 .exp-tls 中工作，结束时删除。

选项：
  --quick         与不加时相同（本实验已经很短）`,
    tlsQuestion:
      "同一网络上任何开着 Wireshark 的人能看到聊天会话的哪些内容？用了 TLS 之后还剩下什么？",
    tlsSession:
      "这段会话由真正的 chat-server 和 chat-client 运行两次：ann 加入，说“{message}”，上传 {file}，然后离开。",
    tlsMessage: "八点图书馆见，带上答案",
    tlsFileText: "习题集 3 答案：1) 42  2) TIME-WAIT  3) Nagle\n",
    tlsPlainHeading: "1. 明文 TCP（chat-server 位于 127.0.0.1:{port}）。Wireshark 看到的：",
    tlsTlsHeading: "2. 同一会话加上 --tls（chat-server 位于 127.0.0.1:{port}）：",
    tlsKeyLogHeading:
      "3. 再看 TLS 抓包，这次用上 Deno 的 TLS 写入客户端 SSLKEYLOGFILE 的 {secrets} 条密钥：",
    tlsNoKeyLog:
      "3. 客户端没有写出密钥日志（SSLKEYLOGFILE）：这个版本的 Deno 不导出 TLS 密钥，抓包仍不可读。",
    tlsFromClient: "客户端 → 服务器",
    tlsFromServer: "服务器 → 客户端",
    tlsFrames: "  {packets} 个带数据的包；解析器从中读出 {frames} 个 LP 帧",
    tlsGrep: "  在原始抓包中搜索：那句话{message}，文件内容{file}",
    tlsFound: "找到了",
    tlsNotFound: "没有找到",
    tlsAnswer:
      "不用 TLS 时，任何抓到流量的人都能读出每一帧（这里是 {plainFrames} 帧）：名字、消息、文件内容。用了 TLS，他们读出 {tlsFrames} 帧：只剩地址、端口、时间、记录大小和协议名（ALPN）可见。持有会话密钥的人又能读出全部内容（{decryptedFrames} 帧），所以 SSLKEYLOGFILE 只用来调试自己的流量。",
    tlsAnswerNoKeyLog:
      "不用 TLS 时，任何抓到流量的人都能读出每一帧（这里是 {plainFrames} 帧）：名字、消息、文件内容。用了 TLS，他们读出 {tlsFrames} 帧：只剩地址、端口、时间、记录大小和协议名（ALPN）可见。",

    timeWaitUsage: `用法：deno task exp:time-wait [--quick]

轮流从两端关闭一个回环连接，用 ss 显示各个 TCP 状态。

选项：
  --quick         不再花一分钟等 TIME-WAIT 结束`,
    timeWaitQuestion: "客户端关闭连接后进入哪个 TCP 状态？这个状态持续多久？",
    timeWaitForFin: "第一个 FIN 被确认",
    timeWaitForAppear: "TIME-WAIT 出现",
    timeWaitForEnd: "TIME-WAIT 结束",
    timeWaitStill: "  {s} 秒后：仍是 TIME-WAIT，还剩 {left} 秒",
    timeWaitClosedFirst: "{who}（先关闭）",
    timeWaitFirstCloses: "{who}先关闭；另一端读到流结束（ss -tano）：",
    timeWaitThenOther: "接着另一端也关闭：",
    timeWaitRelisten: "在 TIME-WAIT 期间再次监听 127.0.0.1:{port}：{result}",
    timeWaitRelistenOk: "成功（Deno 的监听套接字设置了 SO_REUSEADDR）",
    timeWaitRelistenFailed: "失败：{why}",
    timeWaitWatching: "观察客户端的 TIME-WAIT 套接字 {local}，直到它消失（Ctrl-C 停止）：",
    timeWaitGone: "  {s} 秒后消失",
    timeWaitLasted: "；实际持续了 {s} 秒",
    timeWaitAnswer:
      "先关闭的一端进入 FIN-WAIT-2，然后是 TIME-WAIT（内核计时器显示 {timer} 秒{lasted}）；另一端处于 CLOSE-WAIT，直到它也关闭，并且不进入 TIME-WAIT。",

    pulledCableUsage: `用法：sudo deno task exp:pulled-cable [--heartbeat N] [--quick]

建立两个由 veth 对相连的网络命名空间，在两端分别运行 lp_server 和 lp_client，
拔掉客户端的网线（把链路设为 down），显示服务器看到了什么。需要 root 权限和 iproute2。

选项：
  --heartbeat N   服务器的心跳间隔，单位为秒（默认 {heartbeat}；1 到 10）
  --quick         即 --heartbeat {quick}（供测试使用）`,
    pulledCableQuestion: "客户端的网线被拔掉时，服务器看到了什么？它怎样才能发现？",
    pulledCableNeedsRoot: "创建网络命名空间需要 root 权限（请用 sudo 运行）",
    pulledCableLab:
      "网络命名空间 {serverNs}（{serverIp}）和 {clientNs}（{clientIp}），由 veth 对 {serverIf} <-> {clientIf} 相连",
    pulledCableListens: "lp_server 在命名空间 {ns} 中监听 {ip}:{port}，心跳间隔 {s} 秒",
    pulledCableRegistered: "{ns}（{ip}）中的 lp_client 已注册为客户端 {id}",
    pulledCableServerSockets: "服务器的套接字（在 {ns} 中执行 ss -tano）：",
    pulledCablePulled: "拔掉网线：{command}",
    pulledCableSocketAtPull: "服务器上对应客户端 {id} 的套接字：{state}",
    pulledCableGone: "已消失",
    pulledCableAreYouThere: "你还在吗？",
    pulledCableMessageFails: "发给客户端 {id} 的消息失败：{error}",
    pulledCableStill: "服务器现在的套接字：连接仍是 {state}",
    pulledCableEvicts: "服务器逐出了客户端 {id}：{reason}",
    pulledCableAfterEviction: "逐出之后服务器的套接字（服务器已关闭连接；它的 FIN 同样过不去）：",
    pulledCableUnaware: "客户端的套接字（在 {ns} 中执行 ss）：它什么也没察觉",
    pulledCableBack: "插回网线：{command}",
    pulledCableOldClient: "旧客户端输出：{line}",
    pulledCableReconnectFailed: "重新连接失败：{why}",
    pulledCableNewWorks: "从客户端的命名空间发起的新连接正常：",
    pulledCableAnswer:
      "拔掉网线时，什么也不会到达。发给该客户端的消息已经失败之后，服务器的套接字仍是 {state}；只有心跳发现了问题：在拔线 {after} 秒后逐出了该客户端（距它最后一次心跳 3 个间隔，每个间隔 {heartbeat} 秒）。插回网线后，新连接正常。",

    modelsUsage: `用法：deno task exp:models [--quick]

在 I/O 密集和 CPU 密集两种负载下运行各个并发服务器模型，各打印一张表。

选项：
  --quick         只对 concurrent 和 pool 两个模型做一轮小规模的 I/O 密集测试（供测试使用）`,
    modelsQuestion: "每个客户端一个线程，还是用线程池？",
    modelsIoTitle: "服务器处理每条消息时在定时器上等待 {ms} ms（I/O 密集，类似数据库调用）",
    modelsIoShortTitle: "服务器处理每条消息时在定时器上等待 {ms} ms（I/O 密集）",
    modelsCpuTitle: "服务器处理每条消息时计算 {ms} ms（CPU 密集）",
    modelsScenario: "{title}；{clients} 个客户端，每个往返 {rounds} 次：",
    modelsIoConclusion:
      "{most} 个客户端、每条消息等待 {ms} ms 时，每个客户端一个任务的模型 p99 为 {p99}；大小为 {pool} 的池分批服务，p99 为 {poolP99}：第 {pool} 个之后的客户端要等待空闲的工作者。",
    modelsCpuConclusion:
      "{most} 个客户端、每条消息计算 {ms} ms 时，一个事件循环同一时刻只能运行一个处理函数（concurrent：每秒 {concurrent} 次往返）；真正的线程能用上其他核（workers：每秒 {workers} 次）。",
    modelsAnswer:
      "对于大部分时间都在等待的客户端，每个客户端一个任务（或线程）更好；线程池给服务器的开销设了上限，代价是超出池大小的客户端要排队。",

    raceUsage: `用法：deno task exp:race [选项]

多个工作线程对同一个共享计数器加 1，用三种方式：普通加法、Atomics.add 和互斥锁。

选项：
  --threads N     工作线程数（默认 {threads}，最多 {maxThreads}）
  --increments N  每个线程加 1 的次数（默认 {increments}，最多 {maxIncrements}）
  --quick         {quickThreads} 个线程，每个 {quickIncrements} 次（供测试使用）`,
    raceQuestion: "线程什么时候需要锁？为什么事件循环不需要？",
    raceIntro: "{threads} 个线程各对同一个共享计数器加 1，每个 {increments} 次。",
    raceExpected: "预期总数：{expected}",
    raceTotal: "总数 {total}",
    raceExact: "准确",
    raceLost: "丢失了 {lost} 次更新（{percent}%）",
    raceThreadFailed: "线程 {id}：{message}",
    raceTooSlow: "{way} 方式运行超过了 {s} 秒；请减小 --increments",
    raceSeenLost: "普通的“读-加-写”在 {expected} 次更新中丢失了 {lost} 次",
    raceSeenNone: "普通的“读-加-写”这次一次也没丢（线程没有交错执行；再运行一次试试）",
    raceAnswer:
      "只要多个线程更新同一块内存就需要：{seen}。Atomics.add 的结果准确，互斥锁也准确，但比 Atomics.add 慢 {factor} 倍。事件循环一次只运行一个任务，只在 await 处切换，所以它的“读-加-写”永远不会被打断。",
  },
});
