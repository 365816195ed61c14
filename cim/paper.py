"""Numbers reported by the paper, for the `paper_*` columns beside ours (never used in our computations)."""

# Table II: energy of one reading operation per component [pJ]
PAPER_TABLE2_PJ = {"decoding_sensing": 4.76, "adder_accumulator": 0.12, "comparator": 0.01, "averaging": 18.42,
                   "crossbar": 0.65, "rng": 3.80}

# Table VII: per dropout module (= Table VII proposed row), and the module counts its rows imply
PAPER_TABLE7 = {
    "layer": {"spindrop": (79833.6, 51.84), "spatial_spindrop": (8870.4, 5.76), "scaledrop": (34.65, 0.0225)},
    "topology_avgpool": {"spindrop": (17740.8, 11.52), "spatial_spindrop": (17740.8, 11.52), "scaledrop": (34.65, 0.0225)},
    "topology_no_avgpool": {"spindrop": (159667.2, 103.68), "spatial_spindrop": (17740.8, 11.52),
                            "scaledrop": (34.65, 0.0225)},
}  # (area um^2, power mW)
PAPER_TABLE7_LATENCY_NS = 15.0

# Table VIII: energy per image [uJ] (related works are cited reference rows)
PAPER_TABLE8_RELATED = [
    ("H. Fan et al. [36]", "FPGA", "ResNet18", "8-bit", 0.014e6),
    ("R. Cai et al. [62]", "FPGA", "3-FC", "8-bit", 18.97),
    ("X. Jia et al. [63]", "FPGA", "3-FC", "8-bit", 46.00),
    ("H. Awano et al. [34]", "FPGA", "3-FC", "7-bit", 21.09),
    ("A. Malhotra et al. [37]", "RRAM", "3-FC", "4-bit", 9.30),
    ("S.T. Ahmed et al. [17] SpinDrop", "STT-MRAM", "LeNet-5", "1-bit", 2.00),
    ("S.T. Ahmed et al. [16] Spatial-SpinDrop", "STT-MRAM", "LeNet-5", "1-bit", 0.68),
    ("K. Yang et al. [39]", "Domain wall-MTJ", "3-FC", "4-bit", 0.79),
]
PAPER_TABLE8_OURS_UJ = {"lenet5": 0.18, "vgg_small": 0.29}
PAPER_LENET5_AREA_MM2 = 0.401
PAPER_T = 10

# Claims (Sec. VII): worst accuracy loss vs IR-Net BNN [points], MC gain (ResNet-20), worst OOD rate,
# MC plateau T (upper end), worst accuracy change under 3x dropout-module variation (Table IV)
PAPER_ACC_LOSS_VS_BNN_PTS = 0.18
PAPER_MC_GAIN_PTS = 86.05 - 84.63
PAPER_OOD_WORST_PCT = 77.77
PAPER_PLATEAU_T = 50
PAPER_VARIATION_WORST_PTS = -0.19
