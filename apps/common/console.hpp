#pragma once
// The terminal and the log: Boost.Log set up for the tools (text or JSON lines, stderr and a
// size-rotated file, the run id and the partition on every record), and the live progress
// view, which keeps its lines at the bottom of the terminal with log lines printed above it.

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include <replicate/orchestrator.hpp>

namespace replicate::app {

struct LogSettings {
    std::string level = "info";
    bool quiet = false;
    std::string format = "text";  ///< text or json
    std::string file;             ///< empty: stderr only
    std::uint64_t file_max_bytes = std::uint64_t{100} << 20;
    int file_keep = 5;  ///< rotated files kept: FILE.1 (newest) .. FILE.<keep>
};

/// Installs the sinks (replacing any). Throws Error(kind config) naming the bad setting or a
/// log file that cannot be opened.
void setup_logging(const LogSettings& settings);

/// From now on every record carries this run id.
void set_log_run_id(const std::string& run_id);

/// Live progress of a run: a block of lines redrawn in place on the terminal (one per
/// partition in flight and a total line), or, not on a terminal, a heartbeat log line at a
/// fixed interval while partitions run. Stops (and erases the block) on stop() or
/// destruction, so the summary and an interrupted run's messages print on a clean screen.
class ProgressView {
public:
    enum class Mode { off, live, heartbeat };
    ProgressView(Mode mode, const RunMonitor& monitor, double heartbeat_seconds);
    ~ProgressView();
    ProgressView(const ProgressView&) = delete;
    ProgressView& operator=(const ProgressView&) = delete;
    void stop();

    /// The block's lines for \p snap, each cut to \p width columns.
    static std::vector<std::string> render(const RunMonitor::Snapshot& snap, std::size_t width);
    /// One heartbeat line for \p snap.
    static std::string heartbeat(const RunMonitor::Snapshot& snap);

private:
    void loop();
    Mode mode_;
    const RunMonitor& monitor_;
    double heartbeat_seconds_;
    std::atomic<bool> stop_{false};
    std::thread thread_;
};

/// live where stderr is a terminal (and TERM is not "dumb") or \p progress is "always";
/// heartbeat otherwise; off with --quiet.
ProgressView::Mode progress_mode(const std::string& progress, bool quiet);

}  // namespace replicate::app
