/**
 * Every sentence of the chat programs (chat-server, chat-client and the demo), in English and
 * Chinese.
 *
 * Two kinds of key. A kebab-case key with a hyphen (`name-taken`) is a **code on the wire**: the
 * server sends it with its `params` in refusals, `S` notices, `B` indications and `X` cancels,
 * next to the English sentence, and each client words it in its own language (see
 * lib/chat/reason.ts and the chat section of docs/PROTOCOL.md). A camelCase key is the program's
 * own sentence, made where it is printed.
 *
 * The shared sentences (flag errors, "Listening on", "Server is full", …) are `cliText`'s
 * (lib/cli/text.ts); the file sentences are `filesText`'s (lib/files/text.ts).
 *
 * @module
 */

import { defineText } from "../cli/i18n.ts";

/** The chat programs' sentences. */
export const chatText = defineText({
  en: {
    // ---- chat-server: --help, console, log -------------------------------------------------
    serverUsage: `Usage: deno task chat-server [options]

A chat room with file sharing, history and accounts. Type "help" for the console's commands;
"quit" (or Ctrl-C) tells every client and stops.

Options:
  --host HOST            address to listen on (default {host}; 0.0.0.0 accepts LAN clients)
  --port PORT            port to listen on (default {port}; 0 picks a free one)
  --max-clients N        clients at once; the next is told the server is full (default {maxClients})
  --max-file-size SIZE   largest upload, such as 500M or 1G (default 1G)
  --storage DIR          folder for uploaded files (default {storage}; the task may
                         read and write only there)
  --heartbeat SECONDS    clients send a heartbeat this often; one silent for {missed}
                         intervals is evicted (default {heartbeat}; fractions allowed)
  --join-timeout SECONDS
                         a connection that has not joined by then is closed, so it does not
                         keep a place in the room (default {joinTimeout})
  --max-queue SIZE       bytes a client may fall behind before it is dropped (default 1M); a
                         client with half that unread is not read from until it catches up
  --history N            messages a newcomer is shown from the room's history (default
                         {history}); 0 stores no messages. History, and who uploaded each
                         file, are kept in .chat.db in the storage folder
  --auth MODE            accounts: off (any free name), optional (guests take names no
                         account owns; the default) or required (registered users only)
  --max-storage SIZE     most bytes of shared files in all (default: keep 1 GiB of the
                         disk free)
  --user-quota SIZE      most bytes of shared files per user (default: no limit)
  --max-rate N           chat messages a member may send per second, after a burst of 2N;
                         one held back for 5 s on end is disconnected (default 0: no limit)
  --web-port PORT        port of the web page, where browsers join the same room (default
                         {webPort}, or 0 with --port 0; 0 picks a free one)
  --no-web               serve no web page: terminal clients only
  --tls                  encrypt with TLS, the chat port and the page (https, wss) alike; the
                         first start makes a self-signed certificate and keeps it in the
                         storage folder (see docs/TLS.md)
  --cert FILE            use this certificate chain, PEM, instead (implies --tls; needs --key)
  --key FILE             the private key of --cert, PEM`,
    badMaxClients: 'Invalid --max-clients "{value}": expected 1 or more',
    storageOutside:
      "the task may read and write only under {dir}; use --storage inside it, or run with deno run --allow-read=DIR --allow-write=DIR",
    cannotCreateStorage: 'cannot create the storage folder "{dir}"',
    dbLocked:
      '"{file}" is in use by another chat server; stop it, or give this one another --storage',
    dbCorrupt:
      '"{file}" is not a chat database, or is damaged; it was left as it is (move it away to start afresh)',
    dbNewer: '"{file}" was written by a newer version of this server; it was left as it is',
    dbIo: 'cannot open "{file}": {why}',
    badHistory: 'Invalid --history "{value}": expected a whole number from 0 to {max}',
    "password-needed": '"{name}" is a registered name: log in with its password',
    "login-required":
      "Only registered users may join: log in with your password, or register first",
    "login-failed": "Wrong name or password",
    "account-banned": '"{name}" is banned from this room',
    "accounts-off": "This server keeps no accounts (--auth off)",
    "name-registered": '"{name}" is already registered',
    "password-too-short": "The password needs at least {min} characters",
    "password-too-long": "The password is longer than {max} bytes",
    "register-own-name": 'You joined as "{name}": you can register only that name',
    "not-logged-in": "You are not logged in to an account",
    logStoredFor: "{from} left a private message for {to} ({n} characters)",
    logRegistered: "{name} registered from {peer}",
    badAuth: 'Invalid --auth "{value}": expected off, optional or required',
    "over-quota": '"{name}" is {size}; you have {used} stored and your quota is {quota}',
    "storage-full":
      '"{name}" is {size}; the server has room for {free} more (--max-storage {limit})',
    "disk-low": '"{name}" is {size}; the server\'s disk has {free} free and keeps 1 GiB spare',
    "disk-full": "The server's disk is full: the upload was abandoned and nothing was stored",
    "flood-disconnect": "Disconnected: you kept sending faster than {rate} messages a second",
    "dropped-flooding": "was disconnected (sending too fast)",
    logFlooding: "{name} kept sending faster than {rate} messages a second: disconnecting",
    badRate:
      'Invalid --max-rate "{value}": expected a whole number of messages a second, 0 for no limit',
    consoleGuest: "guest",
    consoleMember: "account",
    consoleBanned: "banned",
    consoleOnlineSince: "online since {time}",
    consoleOffline: "offline",
    consoleNoUsers: "No one is online and no account is registered.",
    consoleUsersHeading: "Users ({n}):",
    consoleUsage: "Usage: {usage}",
    consoleKicked: "Kicked {name}.",
    consoleNoAccount: 'No account "{name}".',
    consoleBannedNow: "Banned {name}: the account cannot log in until unban.",
    consoleUnbanned: "Unbanned {name}.",
    consoleNoHistory: "No messages stored.",
    consoleUnknown: 'Unknown command "{command}". Type "help" for the list.',
    consoleHelp: `Console commands:
  users            who is online, and every account
  kick NAME        disconnect a member
  ban NAME         ban an account (and disconnect it); unban NAME lifts it
  history [N]      the last N stored messages (default 20)
  quit             tell every client and stop the server`,
    "kicked-out": "You were disconnected by the server's operator",
    "kicked-operator": "was disconnected by the operator",
    serverStoring: 'Storing files in {dir}; type "help" for the console, "quit" or Ctrl-C to stop',
    webOpen: "Open {url} in a browser",
    webCannotListen: "cannot serve the web page on {address}: {why}",
    webPortInUse:
      "cannot serve the web page on {address}: {why}; choose another --web-port, or --no-web",
    webBrokenPage: "cannot serve the web page: {why}",
    logWebRefused: "{peer}: WebSocket refused: {why}",
    webForeignOrigin: "its page came from {origin}, not {expected}",
    webNoCookie: "it has no chat_browser cookie (the page sets it)",
    logWebForeignHost:
      "{peer}: refused a request for {host}: this server answers only names of this machine",
    logShuttingDown: "shutting down: telling every client",
    logRefused: "{peer} refused: {why}",
    logMalformed: "{name} sent a malformed frame: {why}",
    logConnected: "{peer} connected ({n}/{max} connections)",
    logJoined: "{name} joined from {peer} ({n} online)",
    logCannotJoin: "{peer} cannot join as {tried}: {why}",
    logNonTextName: "a non-text name",
    logChat: "{name}: {text}",
    logPrivate: "{from} -> {to}: private message ({n} characters)",
    logCut: "{text}... ({n} characters)",
    logFailed: "{name}: {why}",
    logPeerEnded: "{peer} {reason}",
    logLeft: "{name} {reason} ({n} online)",
    logNotStored: "could not store a message: {why}",
    logNotReading: "{name} is not reading ({queued} queued): disconnecting",
    logUploading: '{name} is uploading "{file}" ({size})',
    logUploaded: '{name} uploaded "{file}" ({size} in {seconds} s)',
    logUploadFailed: `{name}'s upload of "{file}" failed: {why}`,
    logUploadCancelled: '{name} cancelled the upload of "{file}"',
    logUploadAbandoned: `{name}'s upload of "{file}" abandoned`,
    logDownloading: '{name} is downloading "{file}" ({size})',
    logDownloaded: '{name} downloaded "{file}"',
    logDownloadStopped: `{name}'s download of "{file}" stopped`,
    logDownloadFailed: `{name}'s download of "{file}" failed: {why}`,

    // ---- codes on the wire: refusals -------------------------------------------------------
    "unknown-type": 'Unknown request type "{type}"',
    "not-joined": "Join the room first",
    "server-error": "Server error: {why}",
    "already-joined": 'Already joined as "{name}"',
    "name-taken": 'The name "{name}" is taken (as "{other}"); choose another',
    "name-not-text": "The name must be a string",
    "name-empty": "The name is empty",
    "name-too-long": 'The name "{name}" is longer than {max} characters',
    "name-invisible": 'The name "{name}" has an invisible or direction-changing character',
    "name-spaces": 'The name "{name}" has spaces or control characters',
    "name-characters":
      'The name "{name}" may hold only letters, digits and ASCII symbols such as _ - .',
    "name-mixed-scripts":
      'The name "{name}" mixes scripts that look alike (such as Latin and Cyrillic)',
    "text-not-text": "The message must be a string",
    "text-empty": "The message is empty",
    "text-not-one-line": "A message is one line, without control characters",
    "text-too-long": "The message is {bytes} bytes; the limit is {limit}",
    "payload-not-object": 'Payload of "{type}" must be a JSON object',
    "payload-not-json": 'Payload of "{type}" is not valid UTF-8 JSON',
    "field-not-string": 'Field "{field}" must be a string',
    "field-not-size": 'Field "{field}" must be a whole number of bytes',
    "field-not-list": 'Field "{field}" must be a list',
    "field-not-names": 'Field "{field}" must be a list of names',
    "field-not-seconds": 'Field "{field}" must be a positive number of seconds',
    "no-such-user": 'No user "{name}" is online',
    "file-too-large": '"{name}" is {size}; the server accepts files up to {limit}',
    "no-such-upload": "No upload with id {id} in progress",
    "id-in-use": "Transfer id {id} is already in use",
    "no-such-file": 'No file "{name}" on the server',
    "chunk-too-large": "A chunk of {bytes} bytes; the limit is {limit}",
    // ---- codes on the wire: S notices (the server full notice is cliText's serverFull) -----
    "shutting-down": "Server is shutting down. Goodbye!",
    "no-heartbeat": "Disconnected: no heartbeat for {seconds} s",
    "read-nothing": "Disconnected: you read nothing for {seconds} s",
    "join-deadline": "Disconnected: did not join within {seconds} s",
    "too-slow": "Disconnected: you did not read what was sent ({queued} waiting)",
    "malformed-frame": "Malformed frame: {why}",
    // ---- codes on the wire: B reasons, shown after the name --------------------------------
    "left-room": "left",
    "left-shutdown": "left: server shutting down",
    "connection-closed": "disconnected",
    "connection-lost": "lost connection ({why})",
    "heartbeat-timeout": "timed out (no heartbeat for {seconds} s)",
    "read-timeout": "was disconnected (read nothing for {seconds} s)",
    "dropped-slow": "was disconnected (too slow: {queued} waiting to be read)",
    "dropped-malformed": "was disconnected (malformed frame)",
    "dropped-tls": "sent a TLS handshake, but this server runs without --tls; closing",
    "join-timeout": "did not join within {seconds} s",

    // ---- chat-client ------------------------------------------------------------------------
    clientUsage: `Usage: deno task chat-client [--name NAME] [--host HOST] [--port PORT]

Joins a chat room: type a line to talk to everyone, /help for the commands.

Options:
  --name NAME            user name (asked for when missing or taken)
  --host HOST            server address (default 127.0.0.1)
  --port PORT            server port (default {port})
  --downloads DIR        folder for downloads (default {downloads})
  --heartbeat SECONDS    heartbeat interval when idle (default {heartbeat}, or
                         the server's if shorter)
  --tls                  encrypt with TLS. The server's certificate is trusted if --ca signed
                         it, or an authority this system trusts; otherwise, as ssh does:
                         ask once, remember it, refuse if it changes (see docs/TLS.md)
  --ca FILE              trust certificates signed by this authority, PEM (implies --tls)
  --fingerprint FP       trust only the certificate with this SHA256:... fingerprint
                         (implies --tls)
  --trust                trust an unknown certificate without asking, and remember it
                         (implies --tls; a changed certificate is still refused)`,
    downloadsOutside:
      "the task may write only under {dir}; use --downloads inside it, or run with deno run --allow-write=DIR",
    connectedTo: "Connected to {server}",
    connectedToTls: "Connected to {server} over TLS ({trust})",
    speaksTls: "{server} speaks TLS: connect with --tls",
    lpServerTls: "it is an LP server, not a chat server (try deno task lp-client --tls)",
    connectionFailed: "connection to {server} failed",
    askName: "Your name: ",
    welcome: "{time} *** You joined as {name}. Online ({n}): {users}. Type /help for commands.",
    online: "Online ({n}): {users}",
    listSeparator: ", ",
    theServer: "the server",
    closedBeforeJoin: "{server} closed the connection before the join",
    noAnswer: "no answer from {server} within {seconds} s (is it a chat server?)",
    lpServer: "{server} is an LP server, not a chat server (try deno task lp-client)",
    notChatProtocol: "{server} does not speak the chat protocol (is it an LP server?)",
    notChatServer: "{server} is not a chat server ({why})",
    requestRefused: "Request refused (status {status}, {name})",
    // Commands and /help: each command with its meaning, in two columns.
    helpTitle: "Commands:",
    cmdSay: "<text>",
    helpSay: "say it to everyone (start with // to send a leading /)",
    cmdMsg: "/msg <user> <text>",
    helpMsg: "say it to one user only",
    helpWho: "who is online",
    helpList: "shared files: name, size, uploader, time",
    cmdUpload: "/file upload <path>",
    helpUpload: "share a file",
    cmdDownload: "/file download <name>",
    helpDownload: "fetch a shared file into the downloads folder",
    cmdHistory: "/history [N]",
    helpHistory: "show N earlier messages (default 20, at most 500); again goes further back",
    cmdSearch: "/search <text>",
    helpSearch: "find the messages that contain the words",
    helpHelp: "this list",
    helpExit: "leave (so do Ctrl-D and Ctrl-C)",
    usageMsg: "Usage: /msg <user> <text>",
    usageFile: "Usage: /file list | /file upload <path> | /file download <name>",
    unknownCommand: "Unknown command {word}; /help lists them",
    usageHistory: "Usage: /history [N], N from 1 to 500 (default 20)",
    usageSearch: "Usage: /search <text>",
    // The room's events, each after the server's time.
    eventJoined: "{time} *** {name} joined",
    eventLeft: "{time} *** {name} {reason}",
    eventChat: "{time} {from}: {text}",
    eventPrivate: "{time} {from} -> {to} (private): {text}",
    eventUploaded: "{time} *** {from} uploaded {name} ({size})",
    eventNotice: "{time} *** {text}",
    // History, set apart from the live lines by a line before and a line after.
    historyJoined: "— history: last {n|message|messages} —",
    historyResumed: "— history: {n|message|messages} you missed —",
    historyNow: "— now —",
    historyEarlier: "— history: {n|earlier message|earlier messages} —",
    historyEnd: "— end of history —",
    historyNone: "No earlier messages.",
    searchFound: '— search "{words}": {n|message|messages} found —',
    searchEnd: "— end of search —",
    searchNone: 'No messages found for "{words}".',
    noHistoryServer: "this server keeps no history",
    // The file list.
    noFiles: "No files on the server yet.",
    filesTitle: "Files on the server ({n}):",
    uploadedBy: "by {name}",
    uploaderUnknown: "(uploader unknown)",
    // Errors and transfers.
    errorLine: "error: {text}",
    notSent: "not sent: {why}",
    cannotUpload: 'cannot upload "{path}": ',
    cannotDownload: 'cannot download "{name}": ',
    isFolder: '"{name}" is a folder, not a file',
    changedWhileStarting: '"{name}" changed while starting',
    cancelled: "Cancelled",
    cancelledByServer: "Cancelled by the server",
    connectionClosed: "Connection closed",
    uploadLabel: "upload {name}",
    downloadLabel: "download {name}",
    progress: "{label} {done}/{total} {percent}% {rate}/s {left} left",
    summary: "{size} in {seconds} ({rate}/s)",
    uploaded: "Uploaded {path} as {name}: {summary}",
    downloaded: "Downloaded {name} to {path}: {summary}",
    transferCancelled: "{label}: cancelled",
    waitingTransfers: "Waiting for {n|transfer|transfers} to finish...",
    // Accounts and offline messages (chat-client).
    usagePasswordFile:
      `  --password-file FILE   log in with the password on the first line of FILE (a path from
                         your folder); without it the password is asked for, unechoed`,
    askPassword: "Password for {name}: ",
    askNewPassword: "New password for {name}: ",
    askPasswordAgain: "The same password again: ",
    passwordsDiffer: "the two passwords differ; nothing was registered",
    passwordFileUnreadable: 'cannot read the password file "{path}": {why}',
    passwordFileEmpty: 'the password file "{path}" is empty',
    loginGaveUp: 'cannot log in as "{name}": wrong name or password {n|time|times}',
    registered: "Registered {name}: from now on this name needs its password",
    loggedOut:
      "Logged out: {name} needs its password to log in again (you stay in the room until /exit)",
    noAccountsServer: "this server keeps no accounts",
    loginWaitTransfers: "wait for the transfers to finish before /login",
    storedFor: "stored for {name}: they will get it at their next login",
    eventPrivateStored: "{time} {from} -> {to} (private, stored until they log in): {text}",
    eventPrivateOffline: "{time} {from} -> {to} (private, sent while you were away): {text}",
    eventDelivered: "{time} *** delivered to {to}: {text}",
    eventDeliveredUnknown: "{time} *** your private message was delivered to {to}",
    whoGuest: "{name} (guest)",
    cmdLogin: "/login <user>",
    helpRegister: "register your name: from now on it needs a password",
    helpLogin: "log in to an account (joins again as that user)",
    helpLogout: "log out: a saved login (a browser's) must give the password again",
    usageLogin: "Usage: /login <user>",

    // ---- the demo ---------------------------------------------------------------------------
    demoUsage: `Usage: deno task demo

Runs the chat server and two scripted clients (alice and bob) on 127.0.0.1 as three processes
and prints the transcript, labelled by who printed each line. Uses a temporary folder under
{root} and removes it.

Options:`,
    demoMatches: "the downloaded file matches the upload",
    demoDiffers: "the downloaded file DIFFERS FROM the upload",
    demoClientsEnded: "clients ended: {ends}",
    demoLeft: "left",
    demoExitCode: "exit code {code}",
    demoNoLeave: "exited without leaving",
    // What the scripted users type and share.
    demoHello: "Hi bob, I have the notes from today.",
    demoReply: "Great, please share them!",
    demoThanks: "Thanks, got it.",
    demoFile: "notes.txt",
    demoNotes: "Meeting at 10:00 in room 4.\nBring the lab report.\n",
    demoMissing: "minutes.txt",
  },
  zh: {
    serverUsage: `用法：deno task chat-server [选项]

带文件共享、历史消息和账号的聊天室。输入“help”查看控制台命令；输入“quit”
（或按 Ctrl-C）会通知所有客户端，然后停止。

选项：
  --host HOST            监听的地址（默认 {host}；0.0.0.0 接受局域网客户端）
  --port PORT            监听的端口（默认 {port}；0 表示任选一个空闲端口）
  --max-clients N        同时连接的客户端数上限；再来的客户端会被告知服务器已满
                         （默认 {maxClients}）
  --max-file-size SIZE   上传文件的大小上限，如 500M 或 1G（默认 1G）
  --storage DIR          存放上传文件的文件夹（默认 {storage}；该任务只能读写
                         这个文件夹）
  --heartbeat SECONDS    客户端发送心跳的间隔；连续 {missed} 个间隔没有任何消息的
                         客户端会被踢出（默认 {heartbeat}；可以是小数）
  --join-timeout SECONDS
                         连接后过了这么久还没有加入聊天室的连接会被关闭，以免它
                         一直占着聊天室的名额（默认 {joinTimeout}）
  --max-queue SIZE       一个客户端最多可以积压多少字节没有读取，超过就断开它
                         （默认 1M）；积压超过一半时，服务器暂停读取它的请求，
                         等它赶上再继续
  --history N            新加入的成员能看到的历史消息条数（默认 {history}）；0 表示
                         不保存消息。历史消息和每个文件的上传者保存在存储文件夹的
                         .chat.db 中
  --auth MODE            账号：off（任何空闲的名字都可用）、optional（访客可用未注册的
                         名字；默认）或 required（只允许注册用户）
  --max-storage SIZE     共享文件的总字节数上限（默认：保留 1 GiB 磁盘空闲空间）
  --user-quota SIZE      每个用户共享文件的字节数上限（默认：不限）
  --max-rate N           每个成员每秒最多发送的消息数，可先突发 2N 条；连续被限速 5 秒
                         的成员会被断开（默认 0：不限）
  --web-port PORT        网页的端口，浏览器从这里加入同一个聊天室（默认 {webPort}；
                         --port 为 0 时默认也为 0；0 表示任选一个空闲端口）
  --no-web               不提供网页：只接受终端客户端
  --tls                  用 TLS 加密，聊天端口和网页（https、wss）都加密；第一次启动时
                         生成自签名证书，保存在存储文件夹中（见 docs/TLS.md）
  --cert FILE            改用这个证书链（PEM）（隐含 --tls；需要同时给出 --key）
  --key FILE             --cert 的私钥（PEM）`,
    badMaxClients: "无效的 --max-clients“{value}”：应为 1 或更大的数",
    storageOutside:
      "该任务只能读写 {dir} 之下的文件；请用 --storage 指定其中的文件夹，或用 deno run --allow-read=DIR --allow-write=DIR 运行",
    cannotCreateStorage: "无法创建存储文件夹“{dir}”",
    dbLocked: "“{file}”正被另一个聊天服务器使用；请先停止它，或为本服务器指定另一个 --storage",
    dbCorrupt: "“{file}”不是聊天数据库，或已损坏；文件保持原样未被改动（移走它即可重新开始）",
    dbNewer: "“{file}”由更新版本的服务器写入；文件保持原样未被改动",
    dbIo: "无法打开“{file}”：{why}",
    badHistory: "无效的 --history “{value}”：应为 0 到 {max} 之间的整数",
    "password-needed": "“{name}”是已注册的用户名，请输入它的密码登录",
    "login-required": "只有注册用户才能加入：请用密码登录，或先注册",
    "login-failed": "用户名或密码错误",
    "account-banned": "“{name}”已被禁止进入本聊天室",
    "accounts-off": "本服务器不保存账号（--auth off）",
    "name-registered": "“{name}”已被注册",
    "password-too-short": "密码至少需要 {min} 个字符",
    "password-too-long": "密码超过 {max} 字节",
    "register-own-name": "你以“{name}”加入，只能注册这个名字",
    "not-logged-in": "你没有登录账号",
    logStoredFor: "{from} 给 {to} 留了一条离线私信（{n} 个字符）",
    logRegistered: "{name} 从 {peer} 注册了账号",
    badAuth: "无效的 --auth “{value}”：应为 off、optional 或 required",
    "over-quota": "“{name}”大小为 {size}；你已存了 {used}，配额是 {quota}",
    "storage-full": "“{name}”大小为 {size}；服务器只剩 {free} 的空间（--max-storage {limit}）",
    "disk-low": "“{name}”大小为 {size}；服务器磁盘只剩 {free}，且要保留 1 GiB",
    "disk-full": "服务器磁盘已满：上传已中止，没有保存任何内容",
    "flood-disconnect": "已断开：你持续以超过每秒 {rate} 条的速度发送消息",
    "dropped-flooding": "被断开了连接（发送太快）",
    logFlooding: "{name} 持续以超过每秒 {rate} 条的速度发送：断开连接",
    badRate: "无效的 --max-rate “{value}”：应为每秒消息数（整数），0 表示不限",
    consoleGuest: "访客",
    consoleMember: "注册用户",
    consoleBanned: "已封禁",
    consoleOnlineSince: "{time} 起在线",
    consoleOffline: "离线",
    consoleNoUsers: "没有人在线，也没有注册账号。",
    consoleUsersHeading: "用户（{n} 个）：",
    consoleUsage: "用法：{usage}",
    consoleKicked: "已踢出 {name}。",
    consoleNoAccount: "没有账号“{name}”。",
    consoleBannedNow: "已封禁 {name}：解封前该账号无法登录。",
    consoleUnbanned: "已解封 {name}。",
    consoleNoHistory: "还没有保存任何消息。",
    consoleUnknown: "未知命令“{command}”。输入“help”查看命令列表。",
    consoleHelp: `控制台命令：
  users            在线的人，以及所有账号
  kick NAME        断开一个成员
  ban NAME         封禁一个账号（并断开它）；unban NAME 解封
  history [N]      最近保存的 N 条消息（默认 20）
  quit             通知所有客户端并停止服务器`,
    "kicked-out": "你已被服务器管理员断开连接",
    "kicked-operator": "被管理员断开了连接",
    serverStoring: "文件存放在 {dir}；输入“help”查看控制台命令，输入“quit”或按 Ctrl-C 停止",
    webOpen: "在浏览器中打开 {url}",
    webCannotListen: "无法在 {address} 上提供网页：{why}",
    webPortInUse: "无法在 {address} 上提供网页：{why}；请用 --web-port 换一个端口，或用 --no-web",
    webBrokenPage: "无法提供网页：{why}",
    logWebRefused: "{peer}：拒绝了 WebSocket 连接：{why}",
    webForeignOrigin: "它的网页来自 {origin}，而不是 {expected}",
    webNoCookie: "它没有 chat_browser Cookie（打开网页时会设置）",
    logWebForeignHost: "{peer}：拒绝了对 {host} 的请求：本服务器只响应本机的名字",
    logShuttingDown: "正在关闭：通知所有客户端",
    logRefused: "拒绝 {peer}：{why}",
    logMalformed: "{name} 发送了格式错误的帧：{why}",
    logConnected: "{peer} 已连接（连接数 {n}/{max}）",
    logJoined: "{name} 从 {peer} 加入了聊天室（在线 {n} 人）",
    logCannotJoin: "{peer} 无法以 {tried} 加入：{why}",
    logNonTextName: "一个不是文本的用户名",
    logChat: "{name}：{text}",
    logPrivate: "{from} -> {to}：私聊消息（{n} 个字符）",
    logCut: "{text}……（共 {n} 个字符）",
    logFailed: "{name}：{why}",
    logPeerEnded: "{peer} {reason}",
    logLeft: "{name} {reason}（在线 {n} 人）",
    logNotStored: "无法保存消息：{why}",
    logNotReading: "{name} 没有读取数据（积压 {queued}）：断开连接",
    logUploading: "{name} 正在上传“{file}”（{size}）",
    logUploaded: "{name} 上传了“{file}”（{size}，用时 {seconds} 秒）",
    logUploadFailed: "{name} 上传“{file}”失败：{why}",
    logUploadCancelled: "{name} 取消了“{file}”的上传",
    logUploadAbandoned: "{name} 上传的“{file}”已放弃",
    logDownloading: "{name} 正在下载“{file}”（{size}）",
    logDownloaded: "{name} 下载了“{file}”",
    logDownloadStopped: "{name} 下载“{file}”已停止",
    logDownloadFailed: "{name} 下载“{file}”失败：{why}",

    "unknown-type": "未知的请求类型“{type}”",
    "not-joined": "请先加入聊天室",
    "server-error": "服务器出错：{why}",
    "already-joined": "您已经以“{name}”的身份加入了",
    "name-taken": "用户名“{name}”已被“{other}”占用；请换一个",
    "name-not-text": "用户名必须是文本",
    "name-empty": "用户名为空",
    "name-too-long": "用户名“{name}”超过了 {max} 个字符",
    "name-invisible": "用户名“{name}”含有看不见或改变文字方向的字符",
    "name-spaces": "用户名“{name}”含有空格或控制字符",
    "name-characters": "用户名“{name}”只能由字母、数字和 _ - . 这样的 ASCII 符号组成",
    "name-mixed-scripts": "用户名“{name}”混用了外形相似的文字（如拉丁字母和西里尔字母）",
    "text-not-text": "消息必须是文本",
    "text-empty": "消息为空",
    "text-not-one-line": "消息只能有一行，不能含控制字符",
    "text-too-long": "消息有 {bytes} 字节，上限是 {limit} 字节",
    "payload-not-object": "“{type}”的载荷必须是 JSON 对象",
    "payload-not-json": "“{type}”的载荷不是有效的 UTF-8 JSON",
    "field-not-string": "字段“{field}”必须是字符串",
    "field-not-size": "字段“{field}”必须是整数个字节",
    "field-not-list": "字段“{field}”必须是列表",
    "field-not-names": "字段“{field}”必须是用户名列表",
    "field-not-seconds": "字段“{field}”必须是正的秒数",
    "no-such-user": "用户“{name}”不在线",
    "file-too-large": "“{name}”有 {size}，服务器只接受不超过 {limit} 的文件",
    "no-such-upload": "没有编号为 {id} 的上传正在进行",
    "id-in-use": "传输编号 {id} 已在使用中",
    "no-such-file": "服务器上没有文件“{name}”",
    "chunk-too-large": "数据块有 {bytes} 字节，上限是 {limit} 字节",
    "shutting-down": "服务器正在关闭，再见！",
    "no-heartbeat": "已断开：{seconds} 秒没有收到心跳",
    "read-nothing": "已断开：您 {seconds} 秒没有读取任何数据",
    "join-deadline": "已断开：没有在 {seconds} 秒内加入聊天室",
    "too-slow": "已断开：您没有及时读取服务器发来的数据（{queued} 等待读取）",
    "malformed-frame": "格式错误的帧：{why}",
    "left-room": "离开了聊天室",
    "left-shutdown": "离开了：服务器正在关闭",
    "connection-closed": "断开了连接",
    "connection-lost": "连接中断（{why}）",
    "heartbeat-timeout": "超时断开（{seconds} 秒没有心跳）",
    "read-timeout": "被断开（{seconds} 秒没有读取数据）",
    "dropped-slow": "被断开（太慢：{queued} 等待读取）",
    "dropped-malformed": "被断开（发送了格式错误的帧）",
    "dropped-tls": "发来了 TLS 握手，但本服务器没有用 --tls 启动，关闭连接",
    "join-timeout": "没有在 {seconds} 秒内加入聊天室",

    clientUsage: `用法：deno task chat-client [--name NAME] [--host HOST] [--port PORT]

加入聊天室：输入一行文字发给所有人，输入 /help 查看命令。

选项：
  --name NAME            用户名（没有给出或已被占用时会询问）
  --host HOST            服务器地址（默认 127.0.0.1）
  --port PORT            服务器端口（默认 {port}）
  --downloads DIR        存放下载文件的文件夹（默认 {downloads}）
  --heartbeat SECONDS    空闲时发送心跳的间隔（默认 {heartbeat}；服务器的间隔更短时
                         用服务器的）
  --tls                  用 TLS 加密。服务器的证书如果由 --ca 签发，或由本系统信任的
                         证书机构签发，就信任它；否则像 ssh 一样：询问一次，记住它，
                         以后证书变了就拒绝连接（见 docs/TLS.md）
  --ca FILE              信任由这个证书机构（PEM）签发的证书（隐含 --tls）
  --fingerprint FP       只信任指纹为 SHA256:... 的证书（隐含 --tls）
  --trust                不询问就信任未知的证书并记住它（隐含 --tls；证书变了仍会拒绝）`,
    downloadsOutside:
      "该任务只能写入 {dir} 之下的文件；请用 --downloads 指定其中的文件夹，或用 deno run --allow-write=DIR 运行",
    connectedTo: "已连接到 {server}",
    connectedToTls: "已通过 TLS 连接到 {server}（{trust}）",
    speaksTls: "{server} 使用 TLS：请加上 --tls 再连接",
    lpServerTls: "它是 LP 服务器，不是聊天服务器（请改用 deno task lp-client --tls）",
    connectionFailed: "与 {server} 的连接出错",
    askName: "请输入您的用户名：",
    welcome:
      "{time} *** 您已作为 {name} 加入聊天室。在线（{n} 人）：{users}。输入 /help 查看命令。",
    online: "在线（{n} 人）：{users}",
    listSeparator: "、",
    theServer: "服务器",
    closedBeforeJoin: "{server} 在加入聊天室之前关闭了连接",
    noAnswer: "{server} 在 {seconds} 秒内没有回应（它是聊天服务器吗？）",
    lpServer: "{server} 是 LP 服务器，不是聊天服务器（请试试 deno task lp-client）",
    notChatProtocol: "{server} 不使用聊天协议（它是 LP 服务器吗？）",
    notChatServer: "{server} 不是聊天服务器（{why}）",
    requestRefused: "请求被拒绝（状态 {status}，{name}）",
    helpTitle: "命令：",
    cmdSay: "<文字>",
    helpSay: "发给所有人（要发送以 / 开头的文字，请以 // 开头）",
    cmdMsg: "/msg <用户名> <文字>",
    helpMsg: "只发给一个用户（私聊）",
    helpWho: "查看谁在线",
    helpList: "共享的文件：文件名、大小、上传者、时间",
    cmdUpload: "/file upload <路径>",
    helpUpload: "上传一个文件，与大家共享",
    cmdDownload: "/file download <文件名>",
    helpDownload: "把共享的文件下载到下载文件夹",
    cmdHistory: "/history [N]",
    helpHistory: "查看更早的 N 条消息（默认 20，最多 500）；再次输入继续往前翻",
    cmdSearch: "/search <文字>",
    helpSearch: "查找包含这些词的消息",
    helpHelp: "显示本列表",
    helpExit: "离开聊天室（按 Ctrl-D 或 Ctrl-C 也可以）",
    usageMsg: "用法：/msg <用户名> <文字>",
    usageFile: "用法：/file list | /file upload <路径> | /file download <文件名>",
    unknownCommand: "未知命令 {word}；输入 /help 查看所有命令",
    usageHistory: "用法：/history [N]，N 为 1 到 500（默认 20）",
    usageSearch: "用法：/search <文字>",
    eventJoined: "{time} *** {name} 加入了聊天室",
    eventLeft: "{time} *** {name} {reason}",
    eventChat: "{time} {from}：{text}",
    eventPrivate: "{time} {from} -> {to}（私聊）：{text}",
    eventUploaded: "{time} *** {from} 上传了 {name}（{size}）",
    eventNotice: "{time} *** {text}",
    historyJoined: "—— 历史消息（最近 {n} 条）——",
    historyResumed: "—— 历史消息（您离开期间的 {n} 条）——",
    historyNow: "—— 以上为历史消息 ——",
    historyEarlier: "—— 历史消息（更早的 {n} 条）——",
    historyEnd: "—— 历史消息结束 ——",
    historyNone: "没有更早的消息了。",
    searchFound: "—— 搜索“{words}”：找到 {n} 条消息 ——",
    searchEnd: "—— 搜索结果结束 ——",
    searchNone: "没有找到包含“{words}”的消息。",
    noHistoryServer: "该服务器不保存历史消息",
    noFiles: "服务器上还没有文件。",
    filesTitle: "服务器上的文件（{n} 个）：",
    uploadedBy: "{name} 上传",
    uploaderUnknown: "（上传者未知）",
    errorLine: "错误：{text}",
    notSent: "未发送：{why}",
    cannotUpload: "无法上传“{path}”：",
    cannotDownload: "无法下载“{name}”：",
    isFolder: "“{name}”是文件夹，不是文件",
    changedWhileStarting: "“{name}”在开始上传时被修改了",
    cancelled: "已取消",
    cancelledByServer: "被服务器取消",
    connectionClosed: "连接已关闭",
    uploadLabel: "上传 {name}",
    downloadLabel: "下载 {name}",
    progress: "{label} {done}/{total} {percent}% {rate}/s 剩余 {left}",
    summary: "{size}，用时 {seconds}（{rate}/s）",
    uploaded: "已上传 {path}，在服务器上保存为 {name}：{summary}",
    downloaded: "已下载 {name}，保存到 {path}：{summary}",
    transferCancelled: "{label}：已取消",
    waitingTransfers: "正在等待 {n} 个传输完成……",
    usagePasswordFile:
      `  --password-file FILE   用 FILE 第一行的密码登录（路径从您所在的文件夹算起）；
                         不给出时，需要密码时再询问，输入不回显`,
    askPassword: "{name} 的密码：",
    askNewPassword: "{name} 的新密码：",
    askPasswordAgain: "再输入一次新密码：",
    passwordsDiffer: "两次输入的密码不一致，没有注册",
    passwordFileUnreadable: "无法读取密码文件“{path}”：{why}",
    passwordFileEmpty: "密码文件“{path}”是空的",
    loginGaveUp: "无法以“{name}”登录：用户名或密码 {n} 次错误",
    registered: "已注册 {name}：从现在起，使用这个名字需要密码",
    loggedOut: "已注销：{name} 下次登录需要密码（在输入 /exit 之前您仍在聊天室中）",
    noAccountsServer: "该服务器不保存账号",
    loginWaitTransfers: "请等传输完成后再使用 /login",
    storedFor: "已为 {name} 保存：对方下次登录时会收到",
    eventPrivateStored: "{time} {from} -> {to}（私聊，对方登录后送达）：{text}",
    eventPrivateOffline: "{time} {from} -> {to}（私聊，离线消息）：{text}",
    eventDelivered: "{time} *** 已送达 {to}：{text}",
    eventDeliveredUnknown: "{time} *** 您的私聊消息已送达 {to}",
    whoGuest: "{name}（访客）",
    cmdLogin: "/login <用户名>",
    helpRegister: "注册您的用户名：从此以后使用它需要密码",
    helpLogin: "登录一个账号（以该用户的身份重新加入）",
    helpLogout: "注销：已保存的登录（如浏览器中的）需要重新输入密码",
    usageLogin: "用法：/login <用户名>",

    demoUsage: `用法：deno task demo

在 127.0.0.1 上以三个进程运行聊天服务器和两个按脚本操作的客户端（alice 和 bob），
并打印全过程的记录，每一行都标明是谁打印的。使用 {root} 下的一个临时文件夹，
结束时删除。

选项：`,
    demoMatches: "下载的文件与上传的文件一致",
    demoDiffers: "下载的文件与上传的文件不一致！",
    demoClientsEnded: "客户端的结束情况：{ends}",
    demoLeft: "已离开",
    demoExitCode: "退出码 {code}",
    demoNoLeave: "退出了，但没有离开聊天室",
    demoHello: "bob 你好，我有今天的笔记。",
    demoReply: "太好了，请分享一下！",
    demoThanks: "谢谢，收到了。",
    demoFile: "笔记.txt",
    demoNotes: "10:00 在 4 号教室开会。\n请带上实验报告。\n",
    demoMissing: "会议纪要.txt",
  },
});
