// Kill points: CELLRESCUE_KILL_POINT=<point>[@<n>] SIGKILLs the process at that point.
#include "src/util/kill_point.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "src/util/progress.hpp"

namespace {

using cr::kill_point;
using cr::parse_kill_point;

TEST(KillPoint, ParsesPointAndCount) {
    auto s = parse_kill_point("restore EFS files@100");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->point, "restore EFS files");
    EXPECT_EQ(s->at, 100u);
    s = parse_kill_point("flash before reset");
    ASSERT_TRUE(s);
    EXPECT_EQ(s->point, "flash before reset");
    EXPECT_EQ(s->at, 0u);
    EXPECT_FALSE(parse_kill_point(""));
    EXPECT_FALSE(parse_kill_point("@3"));
    EXPECT_FALSE(parse_kill_point("x@"));
    EXPECT_FALSE(parse_kill_point("x@3a"));
    EXPECT_FALSE(parse_kill_point("x@-1"));
}

// Runs `body` in a child with the kill point set; returns the child's wait status.
template <typename F>
int in_child(const char* spec, F body) {
    pid_t pid = ::fork();
    if (pid == 0) {
        ::setenv(cr::kKillPointEnv, spec, 1);
        body();
        ::_exit(0);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
}

TEST(KillPoint, KillsOnlyAtTheNamedPointOnceTheCountIsReached) {
    int st = in_child("restore EFS files@3", [] {
        kill_point("restore NV items", 10);  // another point: no
        kill_point("restore EFS files", 2);  // not yet
        kill_point("", 100);                 // an empty point never matches
        ::_exit(7);
    });
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 7);
    st = in_child("restore EFS files@3", [] {
        for (std::uint64_t i = 0; i < 10; ++i) kill_point("restore EFS files", i);
        ::_exit(7);
    });
    EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) << st;
}

TEST(KillPoint, EveryProgressReportIsAKillPoint) {
    int st = in_child("backup EFS files@5", [] {
        for (std::uint64_t i = 0; i < 10; ++i)
            cr::report({}, {"backup EFS files", "files", i, 10, false});
        ::_exit(7);
    });
    EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) << st;
}

TEST(KillPoint, UnsetDoesNothing) {
    ::unsetenv(cr::kKillPointEnv);
    kill_point("restore EFS files", 1000);
    SUCCEED();
}

}  // namespace
