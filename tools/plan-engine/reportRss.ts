/**
 * Preloaded by the benchmark (`BENCH_REPORT_RSS=1 node --require bin/tools/plan-engine/reportRss.js ...`): when the process
 * exits, print its peak resident set size on stderr, so the benchmark can read it for any command.
 */
export const RSS_MARKER = "bench-peak-rss-kb=";

if (process.env.BENCH_REPORT_RSS === "1") {
    process.on("exit", () => {
        process.stderr.write(`\n${RSS_MARKER}${process.resourceUsage().maxRSS}\n`);
    });
}
