// server_friends_mariadb_tests runs the friends cases on the private MariaDB (label mariadb).
#include "server_friends_fixture.h"

namespace sc::test {

std::vector<FriendsBackend> friends_backends_under_test() {
    return {FriendsBackend::mariadb};
}

}  // namespace sc::test
