#pragma once
// Internal: one side's options as the connection layer takes them, made from SourceOptions or
// TargetOptions (the public, one-sided types).

#include <string>
#include <utility>
#include <vector>

#include <replicate/options.hpp>

namespace replicate {

/// One endpoint, either side: a target's options plus a source's isolation (the fields of the
/// other side keep their defaults).
struct EndpointConfig : TargetOptions {
    Isolation isolation = Isolation::automatic;
    int query_timeout_seconds = 0;
    /// Connection attributes (SQLSetConnectAttr id, value) set before connecting, on a
    /// connection this library opens itself (DriverQuirks::opens_directly). A bulk-copy sink
    /// for SQL Server would add SQL_COPT_SS_BCP (1219) = SQL_BCP_ON (1) here.
    std::vector<std::pair<long, unsigned long>> before_connect;
};

/// The endpoint of a target.
inline EndpointConfig endpoint_of(const TargetOptions& o) {
    EndpointConfig e;
    static_cast<TargetOptions&>(e) = o;
    return e;
}

/// The endpoint of a source.
inline EndpointConfig endpoint_of(const SourceOptions& o) {
    EndpointConfig e;
    e.connection = o.connection;
    e.schema = o.schema;
    e.connect_timeout_seconds = o.connect_timeout_seconds;
    e.native_protocol = o.native_protocol;
    e.isolation = o.isolation;
    e.lock_timeout_seconds = o.lock_timeout_seconds;
    e.query_timeout_seconds = o.query_timeout_seconds;
    return e;
}

}  // namespace replicate
