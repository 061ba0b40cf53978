/**
 * The sentences of the file helpers (lib/files/), in English and Chinese: why a received file was
 * refused, why a path cannot be read.
 *
 * As in lib/chat/text.ts, a kebab-case key with a hyphen is a code that may go on the wire (the
 * chat server refuses an upload with it, and a client words it in its own language); a camelCase
 * key is said only where it happens.
 *
 * @module
 */

import { defineText } from "../cli/i18n.ts";

/** The file helpers' sentences. */
export const filesText = defineText({
  en: {
    "unsafe-file-name": 'Unsafe file name "{name}"',
    "bad-file-size": "Invalid file size {size}",
    "too-many-bytes": "More than the announced {size} bytes",
    "size-mismatch": "Received {received} of {size} bytes",
    "hash-mismatch": "SHA-256 mismatch: announced {announced}, received {actual}",
    "file-changed": '"{path}" changed while being read: {size} bytes became {total}',
    "no-free-name": 'No free name for "{name}" after {tries} tries',
    notAFile: '"{path}" is not a regular file',
    noHome: 'Cannot expand "~": the home folder is not known (HOME is unset, or not readable)',
  },
  zh: {
    "unsafe-file-name": "不安全的文件名“{name}”",
    "bad-file-size": "无效的文件大小 {size}",
    "too-many-bytes": "超过了事先声明的 {size} 字节",
    "size-mismatch": "只收到 {received} 字节，应为 {size} 字节",
    "hash-mismatch": "SHA-256 不一致：声明的是 {announced}，收到的是 {actual}",
    "file-changed": "“{path}”在读取时被修改了：{size} 字节变成了 {total} 字节",
    "no-free-name": "试了 {tries} 次，仍找不到可以给“{name}”用的名字",
    notAFile: "“{path}”不是普通文件",
    noHome: "无法展开“~”：不知道主文件夹在哪里（HOME 没有设置，或不允许读取）",
  },
});
