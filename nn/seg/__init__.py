"""Binary Bayesian segmentation (Sec. VI-B, VII-B-c, Table V): 4-bit PACT activations, binary weights, U-Net and
Bayesian SegNet with Scale-Dropout, MC-Dropout and SpinDrop; pixel-wise metrics and uncertainty."""
