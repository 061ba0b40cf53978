/**
 * Every sentence of TLS, for any server and client that turns it on (lp-server, lp-client, and
 * later the chat), in English and Chinese. A client's sentences about one server follow
 * "cannot connect to HOST:PORT: ", so they do not name the server again.
 *
 * @module
 */

import { defineText } from "../cli/i18n.ts";

/** The TLS sentences. */
export const tlsText = defineText({
  en: {
    // ---- the server's certificate -------------------------------------------------------------
    certMade: "TLS: made a self-signed certificate for {names} in {file}",
    certRenewed: "TLS: the certificate in {file} expired on {date}; made a new one for {names}",
    certRenewedHint:
      "TLS: clients that trusted the old one will refuse this one until they remove its line from their known servers",
    certMissing:
      "TLS: the certificate in {file} does not name {names}: clients that connect by those will be refused (delete {file} and {keyFile} to make a new one)",
    certServing: "TLS on (ALPN {protocol}); certificate fingerprint {fingerprint}",
    certFrom: "TLS: certificate from {file}, valid until {date}",
    notACertificate: "{file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
    notAKey: "{file} holds no PEM private key (-----BEGIN PRIVATE KEY-----)",
    cannotRead: "cannot read {file}: {why}",
    cannotStore: "cannot keep the certificate in {folder}: {why}",
    needInterfaces:
      "cannot list this machine's addresses for the certificate (run with --allow-sys=networkInterfaces)",
    certNeedsKey: "--cert and --key go together: give both, or neither for a generated certificate",
    // ---- the server's log, one line per failed handshake ------------------------------------
    hsPlain: "{peer}: not a TLS client (it sent plain TCP; start it with --tls); closing",
    hsProtocol: "{peer}: a TLS client of another protocol (this server speaks {protocol}); closing",
    hsUntrusted: "{peer}: the client refused this server's certificate ({why})",
    hsClosed: "{peer}: closed the connection during the TLS handshake",
    hsTimeout: "{peer}: no TLS handshake within {seconds} s; closing",
    hsFailed: "{peer}: TLS handshake failed: {why}",
    tlsOnPlainPort: "sent a TLS handshake, but this server runs without --tls; closing",
    // ---- the client ---------------------------------------------------------------------------
    notTls: "it does not speak TLS (it answered in plain TCP): connect without --tls",
    speaksTls: "it speaks TLS: connect with --tls",
    closedInHandshake: "it closed the connection during the TLS handshake (is it a TLS server?)",
    noTlsAnswer: "no TLS answer within {seconds} s (is it a TLS server?)",
    otherProtocol: "it speaks {theirs} over TLS, not {ours}",
    noCommonProtocol: "it does not speak {ours} over TLS",
    notForName:
      "its certificate is for {names}, not {host}: connect by one of those names, or give the server a certificate for {host}",
    notForNameUnknown: "its certificate is not for {host}",
    notSignedByCa:
      "its certificate is not signed by {file} (nor by an authority this system trusts)",
    certExpired: "its certificate has expired",
    certRefused: "its certificate was refused: {why}",
    fingerprintMismatch:
      "its certificate is {actual}, not the {expected} given with --fingerprint: refused",
    changed:
      "REFUSED: its certificate has changed since you trusted it (now {now}, then {then}). Someone may be intercepting the connection. If you know the server has a new certificate, remove line {line} of {file} and connect again",
    unknownNoTerminal:
      "its certificate {fingerprint} is not known here: check that the server printed the same fingerprint, then connect again with --trust (or --fingerprint {fingerprint})",
    unknownIntro: "The certificate of {server} is not signed by an authority this system trusts.",
    unknownFingerprint:
      "Its fingerprint is {fingerprint}; the server prints its own when it starts.",
    askTrust: "Trust it, and remember it in {file}? [y/N] ",
    declined: "not trusted, so not connected",
    remembered: "Trusted {server} on first use ({fingerprint}); remembered in {file} line {line}",
    cannotRemember: "cannot remember the server in {file}: {why}",
    noConfigFolder: "cannot find your config folder to keep known servers in (set HOME)",
    badFingerprint:
      'Invalid --fingerprint "{text}": expected SHA256: and 43 base64 characters, or 32 hex bytes with colons',
    // ---- how a connection was trusted, for "Connected to … over TLS (…)" ------------------------
    trustCa: "certificate signed by {file}",
    trustRoots: "certificate signed by an authority this system trusts",
    trustFingerprint: "certificate {fingerprint}, as --fingerprint says",
    trustKnown: "certificate {fingerprint}, known from {file} line {line}",
    trustFirstUse: "certificate {fingerprint}, trusted on first use",
  },
  zh: {
    certMade: "TLS：已为 {names} 生成自签名证书，保存在 {file}",
    certRenewed: "TLS：{file} 中的证书已于 {date} 过期；已为 {names} 重新生成",
    certRenewedHint:
      "TLS：信任过旧证书的客户端会拒绝新证书，直到它们从已知服务器列表中删除对应的行",
    certMissing:
      "TLS：{file} 中的证书不包含 {names}：用这些名称连接的客户端会被拒绝（删除 {file} 和 {keyFile} 即可重新生成）",
    certServing: "TLS 已开启（ALPN {protocol}）；证书指纹 {fingerprint}",
    certFrom: "TLS：证书取自 {file}，有效期至 {date}",
    notACertificate: "{file} 中没有 PEM 证书（-----BEGIN CERTIFICATE-----）",
    notAKey: "{file} 中没有 PEM 私钥（-----BEGIN PRIVATE KEY-----）",
    cannotRead: "无法读取 {file}：{why}",
    cannotStore: "无法把证书保存到 {folder}：{why}",
    needInterfaces: "无法列出本机地址来生成证书（请加上 --allow-sys=networkInterfaces 运行）",
    certNeedsKey: "--cert 和 --key 必须同时给出；都不给则使用自动生成的证书",
    hsPlain: "{peer}：不是 TLS 客户端（它发来的是明文 TCP；请用 --tls 启动它），关闭连接",
    hsProtocol: "{peer}：另一种协议的 TLS 客户端（本服务器使用 {protocol}），关闭连接",
    hsUntrusted: "{peer}：客户端拒绝了本服务器的证书（{why}）",
    hsClosed: "{peer}：在 TLS 握手期间关闭了连接",
    hsTimeout: "{peer}：{seconds} 秒内没有完成 TLS 握手，关闭连接",
    hsFailed: "{peer}：TLS 握手失败：{why}",
    tlsOnPlainPort: "发来了 TLS 握手，但本服务器没有用 --tls 启动，关闭连接",
    notTls: "它不使用 TLS（它用明文 TCP 应答）：请去掉 --tls 再连接",
    speaksTls: "它使用 TLS：请加上 --tls 再连接",
    closedInHandshake: "它在 TLS 握手期间关闭了连接（它是 TLS 服务器吗？）",
    noTlsAnswer: "{seconds} 秒内没有 TLS 应答（它是 TLS 服务器吗？）",
    otherProtocol: "它在 TLS 上使用 {theirs}，而不是 {ours}",
    noCommonProtocol: "它在 TLS 上不使用 {ours}",
    notForName:
      "它的证书适用于 {names}，而不是 {host}：请用其中一个名称连接，或者给服务器换一张适用于 {host} 的证书",
    notForNameUnknown: "它的证书不适用于 {host}",
    notSignedByCa: "它的证书不是由 {file} 签发的（也不是由本系统信任的证书机构签发的）",
    certExpired: "它的证书已过期",
    certRefused: "它的证书被拒绝：{why}",
    fingerprintMismatch: "它的证书是 {actual}，不是 --fingerprint 给出的 {expected}：已拒绝",
    changed:
      "已拒绝：它的证书与您信任时的不同（现在是 {now}，当时是 {then}）。可能有人在拦截连接。如果您确认服务器换了证书，请删除 {file} 的第 {line} 行，然后重新连接",
    unknownNoTerminal:
      "这里不认识它的证书 {fingerprint}：请确认服务器启动时打印的指纹与此相同，然后加上 --trust（或 --fingerprint {fingerprint}）重新连接",
    unknownIntro: "{server} 的证书不是由本系统信任的证书机构签发的。",
    unknownFingerprint: "它的指纹是 {fingerprint}；服务器启动时会打印自己的指纹。",
    askTrust: "信任它，并记录到 {file} 吗？[y/N] ",
    declined: "未信任，因此没有连接",
    remembered: "首次使用时信任了 {server}（{fingerprint}）；已记录在 {file} 第 {line} 行",
    cannotRemember: "无法把服务器记录到 {file}：{why}",
    noConfigFolder: "找不到保存已知服务器的配置文件夹（请设置 HOME）",
    badFingerprint:
      "无效的 --fingerprint“{text}”：应为 SHA256: 加 43 个 base64 字符，或用冒号分隔的 32 个十六进制字节",
    trustCa: "证书由 {file} 签发",
    trustRoots: "证书由本系统信任的证书机构签发",
    trustFingerprint: "证书 {fingerprint}，与 --fingerprint 一致",
    trustKnown: "证书 {fingerprint}，见 {file} 第 {line} 行",
    trustFirstUse: "证书 {fingerprint}，首次使用时信任",
  },
});
