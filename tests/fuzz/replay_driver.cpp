// Runs a fuzz target without libFuzzer: every file of the seed corpus, then deterministic
// random inputs and single-byte mutations/truncations of the seeds. A crash or an escaped
// non-cellrescue exception fails the test; cellrescue errors are the expected outcome.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::vector<std::uint8_t>> load_corpus(const std::vector<std::string>& dirs) {
    std::vector<std::vector<std::uint8_t>> seeds;
    for (const auto& d : dirs) {
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator(d, ec)) {
            std::ifstream in(e.path(), std::ios::binary);
            seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
    }
    return seeds;
}

void run(const std::vector<std::uint8_t>& input) { LLVMFuzzerTestOneInput(input.data(), input.size()); }

}  // namespace

int main(int argc, char** argv) {
    long iterations = 10000;
    std::vector<std::string> dirs;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--iterations" && i + 1 < argc) iterations = std::atol(argv[++i]);
        else dirs.push_back(a);
    }
    auto seeds = load_corpus(dirs);
    for (const auto& s : seeds) run(s);
    std::mt19937 rng(12345);
    for (long i = 0; i < iterations; ++i) {
        std::vector<std::uint8_t> input;
        if (!seeds.empty() && i % 2 == 0) {
            input = seeds[rng() % seeds.size()];
            if (!input.empty()) {
                switch (rng() % 3) {
                    case 0: input[rng() % input.size()] = static_cast<std::uint8_t>(rng()); break;
                    case 1: input.resize(rng() % input.size()); break;
                    default: input.insert(input.begin() + rng() % input.size(), static_cast<std::uint8_t>(rng()));
                }
            }
        } else {
            input.resize(rng() % 512);
            for (auto& b : input) b = static_cast<std::uint8_t>(rng());
        }
        run(input);
    }
    std::printf("%zu seeds, %ld generated inputs: no crash\n", seeds.size(), iterations);
    return 0;
}
