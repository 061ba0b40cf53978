/**
 * Where the Wireshark dissector for the LP frame lives: docs/wireshark/lp.lua, beside the
 * protocol's description, found from this module so that a task works from any folder.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** The dissector's path, for `tshark -X lua_script:PATH`. */
export const DISSECTOR = fileURLToPath(new URL("../../docs/wireshark/lp.lua", import.meta.url));
