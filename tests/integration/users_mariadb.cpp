// server_users_mariadb_tests runs the many-users cases on the real MariaDB (label mariadb).
#include "server_users_fixture.h"

namespace sc::test {

std::vector<UsersBackend> users_backends_under_test() {
    return {UsersBackend::mariadb};
}

}  // namespace sc::test
