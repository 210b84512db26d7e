// SPDX-License-Identifier: GPL-2.0-or-later
// Runs a fuzz target over every file of its corpus directories, so the corpora are regression tests
// in the normal (non-fuzzing) build.
#include <cstdint>
#include <cstdio>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size);

int main(int argc, char **argv)
{
    std::size_t count = 0;
    for (int i = 1; i < argc; ++i) {
        DIR *dir = opendir(argv[i]);
        if (dir == nullptr) {
            (void)std::fprintf(stderr, "replay: cannot open corpus %s\n", argv[i]);
            return 1;
        }
        std::vector<std::string> files;
        while (const dirent *entry = readdir(dir))
            if (entry->d_name[0] != '.')
                files.push_back(std::string(argv[i]) + "/" + entry->d_name);
        closedir(dir);
        for (const auto &file : files) {
            std::ifstream in(file, std::ios::binary);
            std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t *>(bytes.data()), bytes.size());
            ++count;
        }
    }
    if (count == 0) {
        (void)std::fprintf(stderr, "replay: empty corpus\n");
        return 1;
    }
    std::printf("replayed %zu inputs\n", count);
    return 0;
}
