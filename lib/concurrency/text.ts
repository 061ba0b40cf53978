/**
 * The sentences of lab 2.3's concurrent servers and of compare-servers, in English and Chinese:
 * their `--help`, their logs, and the comparison's table and notes. The conversation every line
 * server holds logs in `socketsText` (lib/sockets/text.ts), the lesson that owns it.
 *
 * @module
 */

import { defineText } from "../cli/i18n.ts";

/** Lab 2.3's sentences. */
export const concurrencyText = defineText({
  en: {
    // tcp-server-concurrent
    concurrentUsage: `Usage: deno task tcp-server-concurrent [options]

A line-based TCP server that serves every client at once, one task per client.

Options:
{options}`,
    connectedCount: "connected ({n} connected)",

    // tcp-server-pool and tcp-server-pool-reject
    poolUsage: `Usage: deno task tcp-server-pool [options]

A line-based TCP server that serves at most N clients at once; the others wait their turn.

Options:
{options}`,
    poolRejectUsage: `Usage: deno task tcp-server-pool-reject [options]

A line-based TCP server that serves at most N clients at once and turns the others away.

Options:
{options}`,
    poolDescribe: "Serving at most {workers|client|clients} at once; the others wait",
    poolRejectDescribe:
      "Serving at most {workers|client|clients} at once; the others are turned away",
    busy: "{n}/{workers} busy",
    queued: "queued ({ahead} ahead, {busy})",
    leftQueue: "left the queue: server shutting down",
    served: "served ({busy})",
    done: "done ({busy})",
    handedOver: "done; slot passed to the next in the queue ({waiting} still waiting)",
    rejected: "rejected: server is full ({busy})",

    // tcp-server-workers
    workersUsage: `Usage: deno task tcp-server-workers [options]

A line-based TCP server whose clients are served by N worker threads sharing one port.

Options:
{options}`,
    workersMeaning: "worker threads, each serving many clients at once",
    maxClientsFlag: `  --max-clients N
                  clients served at once by all workers together; the others are told
                  the server is full (default no limit, at most {max})`,
    tooManyThreads: 'Invalid --workers "{n}": expected at most {max} threads',
    sharePort:
      "{count|worker thread shares|worker threads share} the port (SO_REUSEPORT); the kernel spreads clients",
    oneWorker: "SO_REUSEPORT is Linux-only here: one worker thread listens and serves every client",
    atMostAcross: "; at most {max} at once across all of them",
    workerLine: "[worker {id}] {line}",
    workerFailed: "worker {id} failed",
    workerCrashed: "worker {id} crashed",
    across: "{n}/{max} clients across all workers",
    workerServed: "served ({across}); connected: {list}",
    workerDone: "done ({across}); connected: {list}",
    nobody: "none",

    // compare-servers
    compareUsage: `Usage: deno task compare-servers [options]

Starts each server model on loopback, drives it with concurrent clients, prints one table.

Options:
  --clients LIST  concurrent clients per run, comma-separated (default {clients})
  --rounds R      round trips per client (default {rounds})
  --models LIST   which models (default {models})
  --work-ms MS    simulated work per message in the server (default 0)
  --work KIND     cpu (busy loop) or io (timer) (default cpu)
  --timeout S     longest one run may take before it is cut short (default {timeout})
  --json          print JSON instead of the table`,
    unknownModel: 'Unknown model "{name}": expected {models}',
    load: "{rounds} round trips per client, {work}, {seconds} s per run",
    workPerMessage: "{ms} ms of {kind} work per message",
    noWork: "no work",
    comparing: "Comparing: {load}",
    progress: "  {model} with {clients|client|clients}: done",
    comparisonFailed: "comparison failed",
    columnModel: "model",
    columnClients: "clients",
    columnRate: "round trips/s",
    columnP50: "p50 ms",
    columnP99: "p99 ms",
    columnRejected: "rejected",
    columnErrors: "errors",
    columnPeak: "peak MiB",
    columnNote: "note",
    sharedState: "Shared state:",
    sharesIterative: "nothing: one client at a time",
    sharesConcurrent: "a count, on one event loop: no lock",
    sharesPool: "a semaphore, on one event loop: no lock",
    sharesPoolReject: "a busy count, on one event loop: no lock",
    sharesWorkers:
      "nothing between threads; with --max-clients, shared memory: Atomics and a mutex",
    noteNoStart: "server did not start",
    noteTimedOut: "timed out after {seconds} s",
    noteSkipped: "skipped: timed out at {clients|client|clients}",
    noteKilled: "server ignored Ctrl-C and was killed",
    noteExited: "server exited {code}",
    exitedEarly: "exited before listening: {why}",
    noMessage: "no message",
  },
  zh: {
    concurrentUsage: `用法：deno task tcp-server-concurrent [选项]

基于文本行的 TCP 服务器：同时服务所有客户端，每个客户端一个任务。

选项：
{options}`,
    connectedCount: "已连接（当前 {n} 个连接）",

    poolUsage: `用法：deno task tcp-server-pool [选项]

基于文本行的 TCP 服务器：最多同时服务 N 个客户端，其余的排队等候。

选项：
{options}`,
    poolRejectUsage: `用法：deno task tcp-server-pool-reject [选项]

基于文本行的 TCP 服务器：最多同时服务 N 个客户端，拒绝其余的客户端。

选项：
{options}`,
    poolDescribe: "最多同时服务 {workers} 个客户端；其余的排队等候",
    poolRejectDescribe: "最多同时服务 {workers} 个客户端；其余的会被拒绝",
    busy: "占用 {n}/{workers}",
    queued: "排队等候（前面还有 {ahead} 个，{busy}）",
    leftQueue: "离开队列：服务器正在关闭",
    served: "开始服务（{busy}）",
    done: "服务结束（{busy}）",
    handedOver: "服务结束；空位交给队列中的下一个（还有 {waiting} 个在等）",
    rejected: "已拒绝：服务器连接已满（{busy}）",

    workersUsage: `用法：deno task tcp-server-workers [选项]

基于文本行的 TCP 服务器：由共用一个端口的 N 个工作线程服务客户端。

选项：
{options}`,
    workersMeaning: "工作线程数，每个线程同时服务多个客户端",
    maxClientsFlag: `  --max-clients N
                  所有工作线程合计同时服务的客户端数；超出的客户端会被告知
                  服务器已满（默认不限，最多 {max}）`,
    tooManyThreads: "无效的 --workers “{n}”：最多 {max} 个线程",
    sharePort: "{count} 个工作线程共用这个端口（SO_REUSEPORT），由内核分配客户端",
    oneWorker: "SO_REUSEPORT 在这里只适用于 Linux：由一个工作线程监听并服务所有客户端",
    atMostAcross: "；所有线程合计最多同时服务 {max} 个",
    workerLine: "[工作线程 {id}] {line}",
    workerFailed: "工作线程 {id} 出错",
    workerCrashed: "工作线程 {id} 崩溃",
    across: "所有线程合计 {n}/{max} 个客户端",
    workerServed: "开始服务（{across}）；已连接：{list}",
    workerDone: "服务结束（{across}）；已连接：{list}",
    nobody: "无",

    compareUsage: `用法：deno task compare-servers [选项]

在回环地址上逐个启动各种服务器模型，用并发客户端施加负载，输出一张对比表。

选项：
  --clients LIST  每轮的并发客户端数，用逗号分隔（默认 {clients}）
  --rounds R      每个客户端的往返次数（默认 {rounds}）
  --models LIST   比较哪些模型（默认 {models}）
  --work-ms MS    服务器处理每条消息时模拟的工作时间（默认 0）
  --work KIND     cpu（忙循环）或 io（定时器）（默认 cpu）
  --timeout S     每轮最长运行时间，超过即中止（默认 {timeout}）
  --json          输出 JSON 而不是表格`,
    unknownModel: "未知的模型“{name}”：应为 {models}",
    load: "每个客户端往返 {rounds} 次，{work}，每轮最多 {seconds} 秒",
    workPerMessage: "每条消息 {ms} ms 的 {kind} 工作",
    noWork: "没有模拟工作",
    comparing: "正在比较：{load}",
    progress: "  {model}，{clients} 个客户端：完成",
    comparisonFailed: "比较失败",
    columnModel: "模型",
    columnClients: "客户端数",
    columnRate: "往返次数/秒",
    columnP50: "p50 毫秒",
    columnP99: "p99 毫秒",
    columnRejected: "被拒绝",
    columnErrors: "出错",
    columnPeak: "峰值 MiB",
    columnNote: "备注",
    sharedState: "共享状态：",
    sharesIterative: "无：一次只服务一个客户端",
    sharesConcurrent: "一个计数，在同一个事件循环上：无需加锁",
    sharesPool: "一个信号量，在同一个事件循环上：无需加锁",
    sharesPoolReject: "一个忙碌计数，在同一个事件循环上：无需加锁",
    sharesWorkers: "线程之间不共享；使用 --max-clients 时共享内存：Atomics 和互斥锁",
    noteNoStart: "服务器未能启动",
    noteTimedOut: "{seconds} 秒后超时",
    noteSkipped: "已跳过：在 {clients} 个客户端时已超时",
    noteKilled: "服务器没有响应 Ctrl-C，已被强制结束",
    noteExited: "服务器退出，退出码 {code}",
    exitedEarly: "开始监听前就退出了：{why}",
    noMessage: "没有输出",
  },
});
