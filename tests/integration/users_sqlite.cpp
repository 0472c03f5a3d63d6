// server_users_tests runs the many-users cases on SQLite (label integration).
#include "server_users_fixture.h"

namespace sc::test {

std::vector<UsersBackend> users_backends_under_test() {
    return {UsersBackend::sqlite};
}

}  // namespace sc::test
