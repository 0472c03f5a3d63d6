// securechat: one executable, subcommands like git or openssl. Kept thin on purpose.
#include "cli/cli.h"

int main(int argc, char** argv) {
    return sc::cli::run(argc, argv);
}
