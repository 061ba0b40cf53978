/**
 * Every sentence of the chat room's web page, in English and Chinese. What the server says
 * (a refused name, a notice, why someone left) comes as a code and is worded from the chat's own
 * tables (lib/chat/reason.ts); this table holds the page's own words. index.html carries the
 * English as a fallback; {@linkcode applyStaticText} replaces it in the chosen language.
 *
 * @module
 */

import { defineText, isLang, type Lang, LANG_NAMES, LANGS, setLang } from "../../cli/i18n.ts";

/** The page's sentences. */
export const pageText = defineText({
  en: {
    title: "Chat room",
    titleUnread: "({n}) Chat room",
    skipToMessage: "Skip to the message box",
    language: "Language",
    joinHeading: "Join the room",
    nameLabel: "Your name",
    passwordLabel: "Password (only for a registered name)",
    joinButton: "Join",
    leaveButton: "Leave",
    logoutButton: "Log out",
    loggedOut: "Logged out: this browser no longer keeps the login of {name}.",
    notKept: "Joined, but this browser could not keep the login: a reload will ask again.",
    joining: "Joining…",
    cannotConnect: "Cannot reach the chat server. Is it running?",
    connected: "Connected as {name}",
    reconnectIn: "Connection lost. Reconnecting in {seconds} s…",
    reconnecting: "Reconnecting…",
    reconnected: "Reconnected as {name}",
    connectionLost: "Connection lost. Reconnecting…",
    stillTaken: "The old connection still holds the name; trying again…",
    messagesLabel: "Messages",
    historyMark: "Earlier messages (history)",
    missedMark: "Missed while disconnected",
    you: "you",
    meInList: "{name} (you)",
    privateFrom: "{from} → {to} (private)",
    privateStored: "{from} → {to} (private, kept until they log in)",
    privateOffline: "{from} → {to} (private, sent while you were away)",
    joined: "{name} joined",
    left: "{name} {reason}",
    uploaded: "{from} shared {name} ({size})",
    delivered: "Your private message reached {to}",
    messageLabel: "Message",
    sendButton: "Send",
    toPrivate: "Private message to {name}",
    backToEveryone: "Back to everyone",
    notSent: "Not sent: {why}",
    onlineHeading: "Online ({n})",
    startPrivate: "Send {name} a private message",
    filesHeading: "Files",
    dropHint: "Drop files here, or",
    chooseFiles: "Choose files",
    noFiles: "No files yet.",
    moreFiles: "…and {n} more",
    columnName: "Name",
    columnSize: "Size",
    columnUploader: "Shared by",
    columnTime: "Time",
    uploaderUnknown: "unknown",
    uploadWaiting: "waiting",
    uploadStarting: "starting…",
    uploadProgress: "{done} of {total}, {rate}/s, {left} left",
    uploadChecking: "checking…",
    uploadDone: "shared as {name}",
    uploadCancelled: "cancelled",
    uploadFailed: "failed: {why}",
    lostConnection: "the connection was lost",
    cancelUpload: "Cancel uploading {name}",
    notifyButton: "Notify me of new messages",
    notifyOn: "Notifications are on",
    notifyBlocked: "Notifications are blocked by the browser",
    notifyPrivate: "{from} (private)",
  },
  zh: {
    title: "聊天室",
    titleUnread: "（{n}）聊天室",
    skipToMessage: "跳到消息输入框",
    language: "语言",
    joinHeading: "加入聊天室",
    nameLabel: "你的名字",
    passwordLabel: "密码（仅注册过的名字需要）",
    joinButton: "加入",
    leaveButton: "离开",
    logoutButton: "退出登录",
    loggedOut: "已退出登录：这个浏览器不再保存 {name} 的登录。",
    notKept: "已加入，但这个浏览器没能保存登录：刷新后需要重新输入密码。",
    joining: "正在加入……",
    cannotConnect: "连不上聊天服务器。它在运行吗？",
    connected: "已连接，名字是 {name}",
    reconnectIn: "连接断开。{seconds} 秒后重新连接……",
    reconnecting: "正在重新连接……",
    reconnected: "已重新连接，名字是 {name}",
    connectionLost: "连接断开。正在重新连接……",
    stillTaken: "旧的连接还占着这个名字，正在重试……",
    messagesLabel: "消息",
    historyMark: "之前的消息（历史记录）",
    missedMark: "断线期间的消息",
    you: "你",
    meInList: "{name}（你）",
    privateFrom: "{from} → {to}（私聊）",
    privateStored: "{from} → {to}（私聊，对方登录后送达）",
    privateOffline: "{from} → {to}（私聊，你不在时发来的）",
    joined: "{name} 加入了聊天室",
    left: "{name} {reason}",
    uploaded: "{from} 分享了 {name}（{size}）",
    delivered: "你的私聊消息已送达 {to}",
    messageLabel: "消息",
    sendButton: "发送",
    toPrivate: "私聊 {name}",
    backToEveryone: "改回发给所有人",
    notSent: "未发送：{why}",
    onlineHeading: "在线（{n}）",
    startPrivate: "给 {name} 发私聊消息",
    filesHeading: "文件",
    dropHint: "把文件拖到这里，或者",
    chooseFiles: "选择文件",
    noFiles: "还没有文件。",
    moreFiles: "……还有 {n} 个",
    columnName: "名字",
    columnSize: "大小",
    columnUploader: "分享者",
    columnTime: "时间",
    uploaderUnknown: "不详",
    uploadWaiting: "排队中",
    uploadStarting: "正在开始……",
    uploadProgress: "{done} / {total}，{rate}/s，还需 {left}",
    uploadChecking: "正在校验……",
    uploadDone: "已分享为 {name}",
    uploadCancelled: "已取消",
    uploadFailed: "失败：{why}",
    lostConnection: "连接断开了",
    cancelUpload: "取消上传 {name}",
    notifyButton: "有新消息时通知我",
    notifyOn: "通知已开启",
    notifyBlocked: "浏览器禁止了通知",
    notifyPrivate: "{from}（私聊）",
  },
});

/** A key of the page's table. */
export type PageKey = Parameters<typeof pageText>[0];

/**
 * The language the browser asks for: Chinese for any `zh` tag among its languages before an
 * English one, else English.
 *
 * @param tags `navigator.languages`, most wanted first.
 * @returns The language.
 */
export function browserLang(tags: readonly string[]): Lang {
  for (const tag of tags) {
    const primary = tag.toLowerCase().split("-")[0];
    if (isLang(primary)) return primary;
  }
  return "en";
}

/**
 * The other language, for the switch.
 *
 * @param current The language shown now.
 * @returns The one the switch changes to, and its name in itself.
 */
export function otherLang(current: Lang): { lang: Lang; name: string } {
  const next = LANGS.find((l) => l !== current) ?? "en";
  return { lang: next, name: LANG_NAMES[next] };
}

/**
 * Show the page in a language: every element marked `data-text="key"` gets that sentence as its
 * text, and `data-label="key"` as its accessible name.
 *
 * @param root Where to look, usually `document`.
 * @param language The language.
 */
export function applyStaticText(root: Document, language: Lang): void {
  setLang(language);
  root.documentElement.lang = language === "zh" ? "zh-CN" : "en";
  for (const el of root.querySelectorAll<HTMLElement>("[data-text]")) {
    const key = el.dataset.text ?? "";
    if (pageText.has(key)) el.textContent = pageText(key as NoParamKey);
  }
  for (const el of root.querySelectorAll<HTMLElement>("[data-label]")) {
    const key = el.dataset.label ?? "";
    if (pageText.has(key)) {
      el.setAttribute("aria-label", pageText(key as NoParamKey));
    }
  }
}

/** Keys whose sentences need no values: the ones static markup may name. */
type NoParamKey = {
  [K in PageKey]: Parameters<typeof pageText<K>>["length"] extends 1 ? K
    : never;
}[PageKey];
