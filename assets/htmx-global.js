// htmx's extensions look for a global `htmx`: set it before they load (imports run in order).
import htmx from "htmx.org";
window.htmx = htmx;
