#pragma once
/// \file replicate.hpp
/// Everything public, for convenience.
#include <replicate/options.hpp>
#include <replicate/error.hpp>
#include <replicate/ledger.hpp>
#include <replicate/log_level.hpp>
#include <replicate/memory.hpp>
#include <replicate/odbc/database.hpp>
#include <replicate/orchestrator.hpp>
#include <replicate/partition.hpp>
#include <replicate/partitioner.hpp>
#include <replicate/sink.hpp>
#include <replicate/source.hpp>
#include <replicate/table_spec.hpp>
#include <replicate/types.hpp>
#include <replicate/version.hpp>
