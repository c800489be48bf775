// html.js - the view library, in one place: Preact with htm (tagged
// templates instead of JSX, so no compiler), and its hooks.
import { h, render } from "../vendor/preact.js";
import htm from "../vendor/htm.js";
export { render };
export { useState, useEffect, useRef, useMemo, useCallback, useContext } from "../vendor/hooks.js";
export { createContext } from "../vendor/preact.js";
export const html = htm.bind(h);
