#include <cstdio>
#include <fstream>
#include <map>

#include "../../apps/common/job_file.hpp"

#include "helpers.hpp"

using namespace replicate;

namespace {
Environment env(std::map<std::string, std::string> vars) {
    return [vars](const std::string& k) -> std::optional<std::string> {
        auto it = vars.find(k);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

const char* minimal = R"(
[source]
connection = "Driver=SQLite3;Database=src.db"
schema = "COM_5013"

[target]
connection = "Driver={ODBC Driver 18 for SQL Server};Server=wh;UID=etl;PWD=${WH_PASSWORD}"
schema = "dbo"
table_prefix = "com_5013_"

[[sales]]
table = "APP_4_SALES"
date_column = "DATETIME__SALES_DATE"

[[reference]]
table = "APP_4_ITEM"
)";

std::string config_error(const std::string& text, std::map<std::string, std::string> vars = {}) {
    std::string msg;
    CHECK(test::error_kind([&] { parse_job(text, env(vars), "job.toml"); }, &msg) == ErrorKind::config);
    CHECK(msg.find('\n') == std::string::npos);  // one line
    return msg;
}
}  // namespace

TEST_CASE("a job file parses into specs with the prefix applied") {
    const JobConfig job = parse_job(minimal, env({{"WH_PASSWORD", "pa55"}}));
    CHECK(job.target.connection.find("PWD=pa55") != std::string::npos);
    REQUIRE(job.sales.size() == 1);
    const TableSpec s = job.sales_spec(job.sales[0]);
    CHECK(s.source == QualifiedName{"COM_5013", "APP_4_SALES"});
    CHECK(s.target == QualifiedName{"dbo", "com_5013_APP_4_SALES"});
    CHECK(s.partition_column == "DATETIME__SALES_DATE");
    CHECK(s.mode == TableMode::partitioned);
    const TableSpec r = job.reference_spec(job.reference[0]);
    CHECK(r.mode == TableMode::full_refresh);
    CHECK(r.target.table == "com_5013_APP_4_ITEM");
    CHECK(job.run.max_workers == 2);
}

TEST_CASE("--print-config output masks the password and round-trips as TOML") {
    const JobConfig job = parse_job(minimal, env({{"WH_PASSWORD", "pa55"}}));
    const std::string shown = job.to_masked_toml();
    CHECK(shown.find("pa55") == std::string::npos);
    CHECK(shown.find("PWD=***") != std::string::npos);
    const JobConfig again = parse_job(shown, env({}));
    CHECK(again.sales_spec(again.sales[0]) == job.sales_spec(job.sales[0]));
}

TEST_CASE("a missing ${VAR} names the variable") {
    const std::string msg = config_error(minimal);
    CHECK(msg.find("WH_PASSWORD") != std::string::npos);
}

TEST_CASE("unknown keys are errors that name the key and the section") {
    std::string text = minimal;
    text += "\n[[sales]]\ntable = \"X\"\ndate_colum = \"D\"\n";
    const std::string msg = config_error(text, {{"WH_PASSWORD", "x"}});
    CHECK(msg.find("date_colum") != std::string::npos);
    CHECK(msg.find("[[sales]] #2") != std::string::npos);
    CHECK(config_error(std::string(minimal) + "\nverbose = true\n", {{"WH_PASSWORD", "x"}})
              .find("verbose") != std::string::npos);
}

TEST_CASE("invalid TOML reports the line") {
    const std::string msg = config_error("[source\nconnection = 1\n");
    CHECK(msg.find("line 1") != std::string::npos);
}

TEST_CASE("wrong types, missing sections, bad isolation, duplicates and bad [run] values") {
    CHECK(config_error("[target]\nconnection = \"x\"\n").find("[source]") != std::string::npos);
    CHECK(config_error("[source]\nconnection = 5\n[target]\nconnection = \"x\"\n")
              .find("must be a string") != std::string::npos);
    CHECK(config_error("[source]\nconnection = \"x\"\nisolation = \"dirty\"\n[target]\nconnection = \"x\"\n")
              .find("dirty") != std::string::npos);
    CHECK(config_error("[source]\nconnection = \"x\"\n[target]\nconnection = \"x\"\n[[sales]]\ntable = \"A\"\n")
              .find("date_column") != std::string::npos);
    CHECK(config_error("[source]\nconnection = \"x\"\n[target]\nconnection = \"x\"\n"
                       "[[reference]]\ntable = \"A\"\n[[reference]]\ntable = \"A\"\n")
              .find("twice") != std::string::npos);
    CHECK(config_error("[source]\nconnection = \"x\"\n[target]\nconnection = \"x\"\ntablock = 1\n")
              .find("tablock") != std::string::npos);
    CHECK(config_error("[source]\nconnection = \"x\"\ntablock = true\n[target]\nconnection = \"x\"\n")
              .find("tablock") != std::string::npos);
    CHECK(config_error("[source]\nconnection = \"x\"\n[target]\nconnection = \"x\"\n[run]\nmax_workers = 0\n")
              .find("max_workers") != std::string::npos);
    CHECK(config_error("[source]\nconnection = \"x\"\n[target]\nconnection = \"x\"\n[[sales]]\n"
                       "table = \"A\\u0001\"\ndate_column = \"D\"\n")
              .find("control character") != std::string::npos);
}

TEST_CASE("env files: comments, export, quotes; the process environment wins") {
    const std::string path = "test_config_env_file.env";
    {
        std::ofstream out(path);
        out << "# comment\nexport A=1\nB = \"two words\"\n\nC='x=y'\n";
    }
    const auto vars = load_env_file(path);
    CHECK(vars.at("A") == "1");
    CHECK(vars.at("B") == "two words");
    CHECK(vars.at("C") == "x=y");
    ::setenv("REPLICATE_TEST_ENV_WINS", "from-env", 1);
    const Environment e = process_environment({{"REPLICATE_TEST_ENV_WINS", "from-file"}, {"ONLY_FILE", "f"}});
    CHECK(e("REPLICATE_TEST_ENV_WINS") == std::optional<std::string>("from-env"));
    CHECK(e("ONLY_FILE") == std::optional<std::string>("f"));
    {
        std::ofstream out(path);
        out << "not a pair\n";
    }
    std::string msg;
    CHECK(test::error_kind([&] { load_env_file(path); }, &msg) == ErrorKind::config);
    CHECK(msg.find(":1:") != std::string::npos);
    std::remove(path.c_str());
    CHECK(test::error_kind([] { load_job_file("/nonexistent/job.toml", {}); }) == ErrorKind::config);
}
