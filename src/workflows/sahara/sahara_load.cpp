#include "src/workflows/sahara/sahara_load.hpp"

#include <fmt/format.h>

#include "src/util/atomic_file.hpp"
#include "src/util/digest.hpp"
#include "src/util/error.hpp"

namespace cr::workflows {

LoadResult load_programmer(Device& device, const std::filesystem::path& programmer,
                           const ProgressFn& progress) {
    std::error_code ec;
    if (!std::filesystem::exists(programmer, ec))
        throw NotFoundError(fmt::format("programmer {} does not exist", programmer.string()),
                            "nothing was sent; the device is unchanged",
                            "give the Firehose programmer (.mbn/.elf) from the firmware package");
    if (!std::filesystem::is_regular_file(programmer, ec))
        throw UsageError(fmt::format("{} is not a regular file", programmer.string()),
                         "nothing was sent; the device is unchanged",
                         "give the programmer file itself");
    Bytes image = read_file(programmer);
    if (image.empty())
        throw UsageError(fmt::format("programmer {} is empty", programmer.string()),
                         "nothing was sent; the device is unchanged",
                         "the file was probably cut short while copying: get it again");
    LoadResult result;
    result.device = device.name();
    result.programmer = programmer.filename().string();
    result.sha256 = sha256_hex(image);
    auto port = device.open_edl();
    sahara::Client client(*port);
    result.hello = client.wait_hello();
    result.upload =
        client.upload_image(sahara::image_from_bytes(image, result.programmer), progress);
    return result;
}

}  // namespace cr::workflows
