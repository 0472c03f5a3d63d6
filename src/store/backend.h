// Which AccountStore implementation the server opens. Spelled "sqlite"/"mysql" only at the edge
// (settings files, flags); everything inside uses the enum.
#pragma once

#include <optional>
#include <string_view>

namespace sc::store {

enum class Backend {
    sqlite,  // the embedded default: open_sqlite
    mysql,   // MySQL/MariaDB, as in the seeds: open_mariadb
};

// "sqlite" or "mysql"; nullopt for anything else.
std::optional<Backend> parse_backend(std::string_view name);
std::string_view backend_name(Backend backend);

}  // namespace sc::store
