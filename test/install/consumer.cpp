// The README's C++ example, built against an installed nejit.
#include <nejit/nejit.h>

#include <cstdio>
#include <vector>

int main() {
  try {
    nejit::Kernel K = nejit::compile(
        "2*a + 3*b", {{"a", nejit::DType::Float64}, {"b", nejit::DType::Float64}});
    std::vector<double> A = {1, 2, 3}, B = {10, 20, 30}, Out(3);
    const void *Inputs[] = {A.data(), B.data()};
    K.run(3, Out.data(), Inputs);
    std::printf("%g %g %g\n", Out[0], Out[1], Out[2]);
    nejit::compile("2*a + sine(b)", {{"a", nejit::DType::Float64},
                                     {"b", nejit::DType::Float64}});
  } catch (const nejit::Error &E) {
    std::printf("%s\n", E.what());
  }
  return 0;
}
