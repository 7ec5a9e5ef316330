#include "console.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <mutex>
#include <sstream>
#include <vector>

#include <boost/date_time/posix_time/posix_time.hpp>
#include <boost/log/attributes/clock.hpp>
#include <boost/log/attributes/constant.hpp>
#include <boost/log/attributes/value_extraction.hpp>
#include <boost/log/core.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/sinks/basic_sink_backend.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/trivial.hpp>
#include <boost/make_shared.hpp>
#include <nlohmann/json.hpp>

#include <replicate/error.hpp>
#include <replicate/log_level.hpp>

namespace replicate::app {

namespace logging = boost::log;
namespace sinks = boost::log::sinks;

namespace {

// ---- the terminal: log lines above, the live block below ----------------------------------

class Terminal {
public:
    static Terminal& get() {
        static Terminal t;
        return t;
    }
    /// Writes a log line above the live block.
    void log_line(const std::string& line) {
        const std::lock_guard<std::mutex> lock(mutex_);
        erase();
        std::fwrite(line.data(), 1, line.size(), stderr);
        std::fputc('\n', stderr);
        draw();
        std::fflush(stderr);
    }
    /// Replaces the live block.
    void set_block(std::vector<std::string> lines) {
        const std::lock_guard<std::mutex> lock(mutex_);
        erase();
        block_ = std::move(lines);
        draw();
        std::fflush(stderr);
    }

private:
    void erase() {
        // To the start of the block's first line, then clear to the end of the screen.
        if (drawn_ > 0) std::fprintf(stderr, "\x1b[%zuF\x1b[J", drawn_);
        drawn_ = 0;
    }
    void draw() {
        for (const std::string& l : block_) {
            std::fwrite(l.data(), 1, l.size(), stderr);
            std::fputc('\n', stderr);
        }
        drawn_ = block_.size();
    }
    std::mutex mutex_;
    std::vector<std::string> block_;
    std::size_t drawn_ = 0;
};

class TerminalBackend
    : public sinks::basic_formatted_sink_backend<char, sinks::synchronized_feeding> {
public:
    void consume(const logging::record_view&, const string_type& line) {
        Terminal::get().log_line(line);
    }
};

/// A log file that is rotated when it would pass max_bytes: FILE becomes FILE.1, FILE.1
/// becomes FILE.2, ..., and FILE.<keep> is removed. Appends across runs.
class RotatingFileBackend
    : public sinks::basic_formatted_sink_backend<char, sinks::synchronized_feeding> {
public:
    RotatingFileBackend(std::string path, std::uint64_t max_bytes, int keep)
        : path_(std::move(path)), max_bytes_(max_bytes), keep_(keep) {
        open();
    }
    void consume(const logging::record_view&, const string_type& line) {
        if (size_ > 0 && size_ + line.size() + 1 > max_bytes_) rotate();
        out_ << line << '\n';
        out_.flush();
        size_ += line.size() + 1;
    }

private:
    void open() {
        out_.open(path_, std::ios::app);
        if (!out_) {
            throw Error(ErrorKind::config, "cannot open the log file " + path_ + ": " +
                                               std::strerror(errno) + " (check --log-file)");
        }
        std::error_code ec;
        const auto n = std::filesystem::file_size(path_, ec);
        size_ = ec ? 0 : n;
    }
    void rotate() {
        out_.close();
        std::error_code ec;
        std::filesystem::remove(path_ + "." + std::to_string(keep_), ec);
        for (int i = keep_ - 1; i >= 1; --i) {
            std::filesystem::rename(path_ + "." + std::to_string(i),
                                    path_ + "." + std::to_string(i + 1), ec);
        }
        if (keep_ > 0) {
            std::filesystem::rename(path_, path_ + ".1", ec);
        } else {
            std::filesystem::remove(path_, ec);
        }
        open();
    }
    std::string path_;
    std::uint64_t max_bytes_;
    int keep_;
    std::ofstream out_;
    std::uint64_t size_ = 0;
};

std::string text_attribute(const logging::record_view& rec, const char* name) {
    const auto v = logging::extract<std::string>(name, rec);
    return v ? *v : std::string();
}

std::string iso_time(const logging::record_view& rec) {
    const auto t = logging::extract<boost::posix_time::ptime>("TimeStamp", rec);
    if (!t) return {};
    std::string s = boost::posix_time::to_iso_extended_string(*t);
    if (s.size() == 19) s += ".000000";  // to_iso_extended_string drops a zero fraction
    return s;
}

const char* level_of(const logging::record_view& rec) {
    const auto sev = logging::extract<logging::trivial::severity_level>("Severity", rec);
    return sev ? logging::trivial::to_string(*sev) : "info";
}

/// "2026-12-01 21:00:52.123456Z    info  [run 20261201T...] [APP_4_SALES 2025-10-01..2025-11-01] message"
void format_text(const logging::record_view& rec, logging::formatting_ostream& out) {
    std::string time = iso_time(rec);
    if (time.size() > 10) time[10] = ' ';
    out << time << "Z " << std::setw(7) << level_of(rec) << "  ";
    const std::string run = text_attribute(rec, "RunId");
    if (!run.empty()) out << "[run " << run << "] ";
    const std::string table = text_attribute(rec, "Table");
    if (!table.empty()) out << '[' << table << ' ' << text_attribute(rec, "Range") << "] ";
    out << text_attribute(rec, "Message");
}

/// One JSON object per line: time (UTC, ISO 8601), level, run_id, table, range, message.
void format_json(const logging::record_view& rec, logging::formatting_ostream& out) {
    nlohmann::json j{{"time", iso_time(rec) + "Z"}, {"level", level_of(rec)}};
    const std::string run = text_attribute(rec, "RunId");
    if (!run.empty()) j["run_id"] = run;
    const std::string table = text_attribute(rec, "Table");
    if (!table.empty()) {
        j["table"] = table;
        j["range"] = text_attribute(rec, "Range");
    }
    j["message"] = text_attribute(rec, "Message");
    out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::mutex g_run_id_mutex;
std::optional<logging::attribute_set::iterator> g_run_id;

}  // namespace

void setup_logging(const LogSettings& settings) {
    logging::trivial::severity_level level;
    if (settings.quiet) {
        level = logging::trivial::error;
    } else if (!logging::trivial::from_string(settings.level.c_str(), settings.level.size(),
                                              level)) {
        throw Error(ErrorKind::config, "--log-level '" + settings.level +
                                           "' is not known: use trace, debug, info, warning or "
                                           "error");
    }
    if (settings.format != "text" && settings.format != "json") {
        throw Error(ErrorKind::config,
                    "--log-format must be text or json, got '" + settings.format + "'");
    }
    if (settings.file_keep < 0 || settings.file_max_bytes < 1000) {
        throw Error(ErrorKind::config,
                    "--log-file-max-mb must be positive and --log-file-keep 0 or more");
    }
    replicate::set_log_level(static_cast<LogLevel>(std::min<int>(level, logging::trivial::error)));
    auto core = logging::core::get();
    core->remove_all_sinks();
    core->add_global_attribute("TimeStamp", logging::attributes::utc_clock());
    core->set_filter(logging::trivial::severity >= level);
    const bool json = settings.format == "json";
    auto console = boost::make_shared<sinks::synchronous_sink<TerminalBackend>>();
    if (json) {
        console->set_formatter(&format_json);
    } else {
        console->set_formatter(&format_text);
    }
    core->add_sink(console);
    if (!settings.file.empty()) {
        auto backend = boost::make_shared<RotatingFileBackend>(settings.file, settings.file_max_bytes,
                                                               settings.file_keep);
        auto file = boost::make_shared<sinks::synchronous_sink<RotatingFileBackend>>(backend);
        if (json) {
            file->set_formatter(&format_json);
        } else {
            file->set_formatter(&format_text);
        }
        core->add_sink(file);
    }
}

void set_log_run_id(const std::string& run_id) {
    const std::lock_guard<std::mutex> lock(g_run_id_mutex);
    auto core = logging::core::get();
    if (g_run_id) core->remove_global_attribute(*g_run_id);
    g_run_id = core->add_global_attribute("RunId", logging::attributes::constant<std::string>(run_id)).first;
}

// ---- progress --------------------------------------------------------------------------------

namespace {

/// 1234567 -> "1,234,567".
std::string grouped(std::int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

/// 75 -> "1:15", 3700 -> "1:01:40".
std::string clock_text(double seconds) {
    const auto s = static_cast<long long>(seconds + 0.5);
    char buf[32];
    if (s >= 3600) {
        std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
    } else {
        std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
    }
    return buf;
}

/// \p line cut to \p width columns (at a UTF-8 character boundary; one column per character).
std::string fit(const std::string& line, std::size_t width) {
    std::size_t columns = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if ((static_cast<unsigned char>(line[i]) & 0xC0) == 0x80) continue;
        if (++columns > width) return line.substr(0, i);
    }
    return line;
}

std::size_t terminal_width() {
    winsize ws{};
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10) return ws.ws_col - 1;
    return 99;
}

}  // namespace

std::vector<std::string> ProgressView::render(const RunMonitor::Snapshot& snap, std::size_t width) {
    std::vector<std::string> lines;
    std::size_t name_width = 8;
    for (const auto& a : snap.active) {
        name_width = std::max(name_width, a.partition.table.source.display().size());
    }
    name_width = std::min<std::size_t>(name_width, 30);
    for (const auto& a : snap.active) {
        std::ostringstream os;
        os << "  " << std::left << std::setw(static_cast<int>(name_width))
           << a.partition.table.source.display() << "  " << std::setw(22) << a.partition.label()
           << std::right << std::setw(12) << grouped(a.rows);
        if (a.estimated_rows) {
            const double pct = *a.estimated_rows > 0
                                   ? 100.0 * static_cast<double>(a.rows) / static_cast<double>(*a.estimated_rows)
                                   : 100.0;
            os << " / " << std::left << std::setw(11) << grouped(*a.estimated_rows) << std::right
               << std::setw(4) << static_cast<int>(std::min(pct, 100.0)) << "%";
        } else {
            os << " rows" << std::string(13, ' ');
        }
        const double rate = a.seconds > 0 ? static_cast<double>(a.rows) / a.seconds : 0;
        os << std::setw(10) << grouped(static_cast<std::int64_t>(rate)) << " rows/s"
           << std::setw(8) << clock_text(a.seconds);
        if (a.attempt > 1) os << "  attempt " << a.attempt;
        lines.push_back(fit(os.str(), width));
    }
    std::ostringstream total;
    const double done = snap.partitions > 0 ? static_cast<double>(snap.finished) /
                                                  static_cast<double>(snap.partitions)
                                            : 1.0;
    const int bar = 20;
    const int filled = static_cast<int>(done * bar + 0.5);
    total << "  [" << std::string(static_cast<std::size_t>(filled), '#')
          << std::string(static_cast<std::size_t>(bar - filled), '.') << "] " << snap.finished
          << "/" << snap.partitions << " partitions";
    if (snap.failed > 0) total << " (" << snap.failed << " failed)";
    total << ", " << grouped(snap.rows) << " rows, " << clock_text(snap.seconds) << " elapsed";
    if (const auto eta = snap.eta_seconds()) total << ", ETA " << clock_text(*eta);
    lines.push_back(fit(total.str(), width));
    return lines;
}

std::string ProgressView::heartbeat(const RunMonitor::Snapshot& snap) {
    std::ostringstream os;
    os << "progress: " << snap.finished << "/" << snap.partitions << " partitions done";
    if (snap.failed > 0) os << " (" << snap.failed << " failed)";
    os << ", " << snap.rows << " rows, " << static_cast<long long>(snap.seconds) << " s";
    for (const auto& a : snap.active) {
        const double rate = a.seconds > 0 ? static_cast<double>(a.rows) / a.seconds : 0;
        os << "; " << a.partition.table.source.display() << " " << a.partition.label() << " "
           << a.rows << " rows in " << static_cast<long long>(a.seconds) << " s ("
           << static_cast<long long>(rate) << " rows/s)";
    }
    return os.str();
}

ProgressView::ProgressView(Mode mode, const RunMonitor& monitor, double heartbeat_seconds)
    : mode_(mode), monitor_(monitor), heartbeat_seconds_(heartbeat_seconds) {
    if (mode_ != Mode::off) thread_ = std::thread([this] { loop(); });
}

ProgressView::~ProgressView() { stop(); }

void ProgressView::stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    thread_.join();
    if (mode_ == Mode::live) Terminal::get().set_block({});
}

void ProgressView::loop() {
    using clock = std::chrono::steady_clock;
    auto next_beat = clock::now() + std::chrono::duration_cast<clock::duration>(
                                        std::chrono::duration<double>(heartbeat_seconds_));
    while (!stop_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(mode_ == Mode::live ? 250 : 100));
        if (stop_) break;
        if (mode_ == Mode::live) {
            Terminal::get().set_block(render(monitor_.snapshot(), terminal_width()));
        } else if (clock::now() >= next_beat) {
            next_beat += std::chrono::duration_cast<clock::duration>(
                std::chrono::duration<double>(heartbeat_seconds_));
            const RunMonitor::Snapshot snap = monitor_.snapshot();
            if (!snap.active.empty()) BOOST_LOG_TRIVIAL(info) << heartbeat(snap);
        }
    }
}

ProgressView::Mode progress_mode(const std::string& progress, bool quiet) {
    if (quiet) return ProgressView::Mode::off;
    if (progress == "always") return ProgressView::Mode::live;
    if (progress == "never") return ProgressView::Mode::heartbeat;
    const char* term = std::getenv("TERM");
    const bool tty = isatty(STDERR_FILENO) == 1 && term != nullptr && std::strcmp(term, "dumb") != 0;
    return tty ? ProgressView::Mode::live : ProgressView::Mode::heartbeat;
}

}  // namespace replicate::app
