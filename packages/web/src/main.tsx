// Must stay the first import (see the file).
import "./jitless-zod.ts";
import { render } from "preact";
import "./styles.css";
import { App } from "./ui/app.tsx";

const root = document.getElementById("app");
if (root) render(<App />, root);
