// Decoder facts: encodings (from binutils' objdump) and how ckb-vm 0.24
// accepts or rejects them per ISA flag set and version.
#include <doctest/doctest.h>

#include <ckb_vm/decoder.hpp>
#include <vector>

#include "support/code_memory.hpp"

namespace decoder_tests {

using namespace ckb_vm;
using registers::A0;
using registers::A1;
using registers::RA;
using registers::SP;

namespace {

constexpr std::uint8_t IMC = ISA_IMC;
constexpr std::uint8_t ALL = ISA_IMC | ISA_B | ISA_A | ISA_MOP;

Instruction must(std::uint32_t bits, std::uint8_t isa = ALL, std::uint32_t version = VERSION2) {
  auto i = decode_instruction(bits, isa, version);
  REQUIRE_MESSAGE(i.has_value(), "bits 0x" << std::hex << bits << " rejected");
  return *i;
}
bool rejected(std::uint32_t bits, std::uint8_t isa = ALL, std::uint32_t version = VERSION2) {
  return !decode_instruction(bits, isa, version).has_value();
}

}  // namespace

TEST_CASE("decoder: 32-bit base instructions and immediates") {
  auto i = must(0xffb58513);  // addi a0, a1, -5
  CHECK(i.op == Opcode::ADDI);
  CHECK(i.rd == A0);
  CHECK(i.rs1 == A1);
  CHECK(i.imm == -5);
  CHECK(i.length == 4);

  i = must(0x800002b7);  // lui t0, 0x80000
  CHECK(i.op == Opcode::LUI);
  CHECK(i.imm == INT32_MIN);

  i = must(0x008282e7);  // jalr t0, 8(t0)
  CHECK(i.op == Opcode::JALR_V1);
  CHECK(must(0x008282e7, IMC, VERSION0).op == Opcode::JALR_V0);
  CHECK(i.imm == 8);

  i = must(0x03f51513);  // slli a0, a0, 63
  CHECK(i.op == Opcode::SLLI);
  CHECK(i.imm == 63);
  CHECK(must(0x40355513).op == Opcode::SRAI);
  CHECK(must(0x41f5551b).op == Opcode::SRAIW);

  i = must(0xfef13c23);  // sd a5, -8(sp)
  CHECK(i.op == Opcode::SD);
  CHECK(i.rs1 == SP);
  CHECK(i.rs2 == 15);
  CHECK(i.imm == -8);

  i = must(0x00b50863);  // beq a0, a1, +16
  CHECK(i.op == Opcode::BEQ);
  CHECK(i.imm == 16);

  CHECK(must(0x02c5a533).op == Opcode::MULHSU);
  CHECK(must(0x02c5d53b).op == Opcode::DIVUW);
  CHECK(must(0x0330000f).op == Opcode::FENCE);
  CHECK(must(0x0000100f).op == Opcode::FENCEI);
  CHECK(must(0x00000073).op == Opcode::ECALL);
  CHECK(must(0x00100073).op == Opcode::EBREAK);
}

TEST_CASE("decoder: rejected 32-bit encodings") {
  CHECK(rejected(0xffffffff));
  CHECK(rejected(0x00000000));           // all-zero is an invalid RVC word
  CHECK(rejected(0x0000100f | (1u << 7)));  // fence.i with rd != 0
  CHECK(rejected(0x0000000f | (1u << 15)));  // fence with rs1 != 0
  CHECK(rejected(0x00200073));           // uret-like system encodings
  CHECK(rejected(0x10500073));           // wfi
  CHECK(rejected(0x00001073));           // csrrw
  CHECK(rejected(0x00851513 | (1u << 31)));  // slli with a non-zero funct6 that is no B op
  CHECK(rejected(0x00007003));           // load funct3 = 111
  CHECK(rejected(0x00004023));           // store funct3 = 100
  CHECK(rejected(0x00002063));           // branch funct3 = 010
  CHECK(rejected(0x00001067));           // jalr funct3 != 0
  CHECK(rejected(0x0000207b));           // opcode 0x7b
}

TEST_CASE("decoder: B and A need their ISA flags") {
  const std::uint32_t andn = 0x40b57533;   // andn a0, a0, a1
  const std::uint32_t clz = 0x60051513;    // clz a0, a0
  const std::uint32_t rev8 = 0x6b855513;   // rev8 a0, a0
  const std::uint32_t adduw = 0x08b5053b;  // add.uw a0, a0, a1
  const std::uint32_t zexth = 0x0805453b;  // zext.h a0, a0
  const std::uint32_t lrw = 0x1005252f;    // lr.w a0, (a0)
  const std::uint32_t amoaddd = 0x00b5352f;  // amoadd.d a0, a1, (a0)
  CHECK(rejected(andn, IMC));
  CHECK(must(andn, IMC | ISA_B).op == Opcode::ANDN);
  CHECK(must(clz, IMC | ISA_B).op == Opcode::CLZ);
  CHECK(must(rev8, IMC | ISA_B).op == Opcode::REV8);
  CHECK(must(adduw, IMC | ISA_B).op == Opcode::ADDUW);
  CHECK(must(zexth, IMC | ISA_B).op == Opcode::ZEXTH);
  CHECK(rejected(zexth | (1u << 20), IMC | ISA_B));  // zext.h requires rs2 == 0
  CHECK(rejected(lrw, IMC | ISA_B));
  CHECK(must(lrw, IMC | ISA_A).op == Opcode::LR_W);
  CHECK(rejected(lrw | (1u << 20), IMC | ISA_A));  // lr with rs2 != 0
  CHECK(must(amoaddd, IMC | ISA_A).op == Opcode::AMOADD_D);
  CHECK(must(amoaddd | (3u << 25), IMC | ISA_A).op == Opcode::AMOADD_D);  // aq/rl bits ignored
  // Zbs immediate forms keep a 6-bit shamt
  auto bseti = must(0x2bf51513, IMC | ISA_B);  // bseti a0, a0, 63
  CHECK(bseti.op == Opcode::BSETI);
  CHECK(bseti.imm == 63);
}

TEST_CASE("decoder: RVC forms") {
  struct Case {
    std::uint16_t bits;
    Opcode op;
    int rd, rs1, rs2;
    std::int32_t imm;
  };
  const Case cases[] = {
      {0x050d, Opcode::ADDI, A0, A0, -1, 3},        // c.addi a0, 3
      {0x557d, Opcode::ADDI, A0, 0, -1, -1},        // c.li a0, -1
      {0x65fd, Opcode::LUI, 11, -1, -1, 0x1f000},   // c.lui a1, 0x1f
      {0x7139, Opcode::ADDI, SP, SP, -1, -64},      // c.addi16sp -64
      {0x810d, Opcode::SRLI, A0, A0, -1, 3},        // c.srli a0, 3
      {0x95fd, Opcode::SRAI, 11, 11, -1, 63},       // c.srai a1, 63
      {0x9a75, Opcode::ANDI, 12, 12, -1, -3},       // c.andi a2, -3
      {0x8e99, Opcode::SUB, 13, 13, 14, 0},         // c.sub a3, a4
      {0x9d2d, Opcode::ADDW, A0, A0, A1, 0},        // c.addw a0, a1
      {0x0506, Opcode::SLLI, A0, A0, -1, 1},        // c.slli a0, 1
      {0x4532, Opcode::LW_V1, A0, SP, -1, 12},      // c.lwsp a0, 12(sp)
      {0x6522, Opcode::LD_V1, A0, SP, -1, 8},       // c.ldsp a0, 8(sp)
      {0x8082, Opcode::JALR_V1, 0, RA, -1, 0},      // c.jr ra
      {0x852e, Opcode::ADD, A0, 0, A1, 0},          // c.mv a0, a1
      {0x9502, Opcode::JALR_V1, RA, A0, -1, 0},     // c.jalr a0
      {0x952e, Opcode::ADD, A0, A0, A1, 0},         // c.add a0, a1
      {0xc22a, Opcode::SW, -1, SP, A0, 4},          // c.swsp a0, 4(sp)
      {0xe42a, Opcode::SD, -1, SP, A0, 8},          // c.sdsp a0, 8(sp)
      {0x0808, Opcode::ADDI, A0, SP, -1, 16},       // c.addi4spn a0, sp, 16
      {0x41c8, Opcode::LW_V1, A0, A1, -1, 4},       // c.lw a0, 4(a1)
      {0x6588, Opcode::LD_V1, A0, A1, -1, 8},       // c.ld a0, 8(a1)
      {0xc1c8, Opcode::SW, -1, A1, A0, 4},          // c.sw a0, 4(a1)
      {0xe588, Opcode::SD, -1, A1, A0, 8},          // c.sd a0, 8(a1)
      {0x357d, Opcode::ADDIW, A0, A0, -1, -1},      // c.addiw a0, -1
  };
  for (const auto& c : cases) {
    CAPTURE(c.bits);
    auto i = must(c.bits, IMC, VERSION1);
    CHECK(i.op == c.op);
    CHECK(i.length == 2);
    if (c.rd >= 0) CHECK(i.rd == c.rd);
    if (c.rs1 >= 0) CHECK(i.rs1 == c.rs1);
    if (c.rs2 >= 0) CHECK(i.rs2 == c.rs2);
    CHECK(i.imm == c.imm);
  }
  auto j = must(0xa021, IMC, VERSION1);  // c.j +8
  CHECK(j.op == Opcode::JAL);
  CHECK(j.rd == 0);
  CHECK(j.imm == 8);
  auto bz = must(0xdd75, IMC, VERSION1);  // c.beqz a0, .-4
  CHECK(bz.op == Opcode::BEQ);
  CHECK(bz.imm == -4);
  CHECK(must(0x9002, IMC, VERSION1).op == Opcode::EBREAK);
  CHECK(must(0x0001, IMC, VERSION0).op == Opcode::ADDI);  // c.nop is valid in every version
}

TEST_CASE("decoder: RVC hints are NOPs from VERSION1 and invalid in VERSION0") {
  // c.addi a0, 0 ; c.li zero, 1 ; c.lui zero, 1 ; c.slli zero, 1 ; c.mv zero, a1 ; c.add zero, a1 ; c.addi zero, 1
  const std::uint16_t hints[] = {0x0501, 0x4005, 0x6005, 0x0006, 0x802e, 0x902e, 0x0005};
  for (auto h : hints) {
    CAPTURE(h);
    CHECK(rejected(h, IMC, VERSION0));
    auto i = must(h, IMC, VERSION1);
    CHECK(i.op == Opcode::ADDI);
    CHECK(i.rd == 0);
    CHECK(i.length == 2);
  }
  // c.srli / c.srai with shamt 0 decode to NOP in every version.
  CHECK(must(0x8101, IMC, VERSION0).op == Opcode::ADDI);
  CHECK(must(0x8501, IMC, VERSION0).op == Opcode::ADDI);
  // Reserved forms are rejected in every version.
  for (std::uint32_t v : {VERSION0, VERSION1, VERSION2}) {
    CHECK(rejected(0x0000, IMC, v));  // c.addi4spn with zero immediate
    CHECK(rejected(0x6101, IMC, v));  // c.addi16sp with zero immediate
    CHECK(rejected(0x6501, IMC, v));  // c.lui a0, 0
    CHECK(rejected(0x2001, IMC, v));  // c.addiw zero
    CHECK(rejected(0x4002, IMC, v));  // c.lwsp zero
    CHECK(rejected(0x8002, IMC, v));  // c.jr zero
    CHECK(rejected(0x2000, IMC, v));  // c.fld
    CHECK(rejected(0xa002, IMC, v));  // c.fsdsp
    CHECK(rejected(0x9c41, IMC, v));  // reserved misc-alu
  }
}

namespace {

using testsupport::CodeMemory;

Instruction decode_at0(const std::vector<std::uint32_t>& words, std::uint8_t isa, std::uint32_t version) {
  CodeMemory m(words);
  Decoder d(isa, version, estimate_cycles);
  auto r = d.decode(m, 0);
  REQUIRE(r.ok());
  return *r;
}

}  // namespace

TEST_CASE("decoder: MOP fusion rules per version") {
  const std::uint8_t MOP = ISA_IMC | ISA_MOP;
  // mulhu a0, a1, a2 ; mul a3, a1, a2 -> WIDE_MULU, 5 cycles, 8 bytes
  auto w = decode_at0({0x02c5b533, 0x02c586b3}, MOP, VERSION1);
  CHECK(w.op == Opcode::WIDE_MULU);
  CHECK(w.length == 8);
  CHECK(w.rs3 == 13);
  CHECK(w.cycles == 5);
  // without MOP the head is returned alone
  CHECK(decode_at0({0x02c5b533, 0x02c586b3}, ISA_IMC, VERSION1).op == Opcode::MULHU);
  // mulhu a0, a0, a2 ; mul ... : rd == rs1 forbids fusion
  CHECK(decode_at0({0x02c53533, 0x02c586b3}, MOP, VERSION1).op == Opcode::MULHU);
  // divu a0,a1,a2 ; remu a3,a1,a2
  CHECK(decode_at0({0x02c5d533, 0x02c5f6b3}, MOP, VERSION2).op == Opcode::WIDE_DIVU);

  // auipc t0, 1 ; jalr ra, 8(t0): fuses in V1 (any auipc rd), not in V2 (needs rs1 == ra)
  CHECK(decode_at0({0x00001297, 0x008280e7}, MOP, VERSION1).op == Opcode::FAR_JUMP_REL);
  CHECK(decode_at0({0x00001297, 0x008280e7}, MOP, VERSION2).op == Opcode::AUIPC);
  // auipc ra, 1 ; jalr ra, 8(ra) fuses in both
  CHECK(decode_at0({0x00001097, 0x008080e7}, MOP, VERSION2).op == Opcode::FAR_JUMP_REL);
  // auipc ra, 0x80000 ; jalr ra, -1(ra): V1 wraps the 32-bit sum, V2 refuses to fuse
  auto wrapped = decode_at0({0x80000097, 0xfff080e7}, MOP, VERSION1);
  CHECK(wrapped.op == Opcode::FAR_JUMP_REL);
  CHECK(wrapped.imm == INT32_MAX);
  CHECK(decode_at0({0x80000097, 0xfff080e7}, MOP, VERSION2).op == Opcode::AUIPC);
  // lui a0, 0x12345 ; addiw a0, a0, 0x678 -> CUSTOM_LOAD_IMM in every MOP version
  auto li = decode_at0({0x12345537, 0x6785051b}, MOP, VERSION1);
  CHECK(li.op == Opcode::CUSTOM_LOAD_IMM);
  CHECK(li.imm == 0x12345678);
  // auipc a0, 1 ; addi a0, a0, 4 -> CUSTOM_LOAD_IMM only from V2 (pc folded in)
  CHECK(decode_at0({0x00001517, 0x00450513}, MOP, VERSION1).op == Opcode::AUIPC);
  auto ai = decode_at0({0x00001517, 0x00450513}, MOP, VERSION2);
  CHECK(ai.op == Opcode::CUSTOM_LOAD_IMM);
  CHECK(ai.imm == 0x1004);

  // ADC: add a0,a0,a1 ; sltu a1,a0,a1 ; add a0,a0,a2 ; sltu a2,a0,a2 ; or a1,a1,a2
  const std::vector<std::uint32_t> adc = {0x00b50533, 0x00b535b3, 0x00c50533, 0x00c53633, 0x00c5e5b3};
  auto f = decode_at0(adc, MOP, VERSION1);
  CHECK(f.op == Opcode::ADC);
  CHECK(f.length == 20);
  CHECK(f.cycles == 1);
  // ADCS (V2 only): add a0,a1,a2 ; sltu a3,a0,a1
  CHECK(decode_at0({0x00c58533, 0x00b536b3}, MOP, VERSION2).op == Opcode::ADCS);
  CHECK(decode_at0({0x00c58533, 0x00b536b3}, MOP, VERSION1).op == Opcode::ADD);
  // SBBS (V2 only): sub a0,a1,a2 ; sltu a3,a1,a2
  CHECK(decode_at0({0x40c58533, 0x00c5b6b3}, MOP, VERSION2).op == Opcode::SBBS);
  CHECK(decode_at0({0x40c58533, 0x00c5b6b3}, MOP, VERSION1).op == Opcode::SUB);
  // ADD3A (V2): add a0,a1,a0 ; sltu a2,a0,a1 ; add a3,a2,a4
  CHECK(decode_at0({0x00a58533, 0x00b53633, 0x00e606b3}, MOP, VERSION2).op == Opcode::ADD3A);
  // a lookahead that runs off the end of code never fails the head
  CHECK(decode_at0({0x00b50533}, MOP, VERSION2).op == Opcode::ADD);
}

TEST_CASE("decoder: invalid instruction error carries pc and bits") {
  CodeMemory m;
  m.push(0x00000013);
  m.push(0xffffffff);
  Decoder d(ISA_IMC, VERSION1);
  auto r = d.decode(m, 4);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::InvalidInstruction);
  CHECK(r.error().pc == 4);
  CHECK(r.error().value == 0xffffffff);
}

}  // namespace decoder_tests
