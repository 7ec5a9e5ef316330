#pragma once
// Internal: one side's options as the connection layer takes them, made from SourceOptions or
// TargetOptions (the public, one-sided types).

#include <string>

#include <replicate/options.hpp>

namespace replicate {

/// One endpoint, either side: a target's options plus a source's isolation (the fields of the
/// other side keep their defaults).
struct EndpointConfig : TargetOptions {
    Isolation isolation = Isolation::read_committed;
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
    return e;
}

}  // namespace replicate
