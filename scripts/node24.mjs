// Installs the current Node LTS (24) beside the project, from the npm registry's
// per-platform package, for the Node 24 leg of the test matrix: the machine's
// Node (20) runs everything else. Idempotent; prints the version it has.
import { execFileSync } from "node:child_process";
import { existsSync, symlinkSync } from "node:fs";
import process from "node:process";

const dir = ".cache/node24";
const link = `${dir}/node`;
const pkg = `node-${process.platform}-${process.arch}`;

if (!existsSync(link)) {
  execFileSync("npm", ["install", "--no-save", "--no-audit", "--no-fund", "--prefix", dir, `${pkg}@24`], {
    stdio: "inherit",
  });
  symlinkSync(`node_modules/${pkg}/bin/node`, link);
}
console.log(`Node LTS for the matrix: ${execFileSync(link, ["--version"]).toString().trim()} (${link})`);
