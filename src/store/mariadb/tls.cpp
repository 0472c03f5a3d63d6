#include "store/mariadb/tls.h"

#include <arpa/inet.h>
#include <mysql.h>

#include <filesystem>

#include "store/store_internal.h"

namespace sc::store {

using detail::store_error;

bool is_local_database(const MariaDbConfig& config) {
    if (!config.unix_socket.empty() || config.host == "localhost") {
        return true;
    }
    in_addr v4{};
    if (inet_pton(AF_INET, config.host.c_str(), &v4) == 1) {
        return (ntohl(v4.s_addr) >> 24) == 127;
    }
    in6_addr v6{};
    return inet_pton(AF_INET6, config.host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);  // ::1
}

Result<bool, StoreError> check_transport_policy(const MariaDbConfig& config) {
    if (!config.tls_ca.empty()) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(config.tls_ca, ec)) {
            return fail(store_error(
                StoreErrorCode::internal,
                "the MariaDB TLS CA file " + config.tls_ca + " does not exist or is not a file"));
        }
        return true;
    }
    if (is_local_database(config) || config.allow_cleartext_remote) {
        return true;
    }
    return fail(store_error(
        StoreErrorCode::internal,
        "refusing to connect to MariaDB at " + config.host + ":" + std::to_string(config.port) +
            " without TLS: password hashes and the database password would cross the network "
            "in clear. Give the CA of the server's certificate ([database] tls_ca), or, on a "
            "network you trust, set [database] allow_cleartext_remote = true"));
}

Result<bool, StoreError> apply_tls_options(st_mysql* conn, const MariaDbConfig& config) {
    if (config.tls_ca.empty()) {
        return true;
    }
    my_bool on = 1;
    if (mysql_optionsv(conn, MYSQL_OPT_SSL_CA, config.tls_ca.c_str()) != 0 ||
        mysql_optionsv(conn, MYSQL_OPT_SSL_ENFORCE, &on) != 0 ||
        mysql_optionsv(conn, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on) != 0) {
        return fail(store_error(StoreErrorCode::internal,
                                "the MariaDB client library refused the TLS options"));
    }
    return true;
}

}  // namespace sc::store
