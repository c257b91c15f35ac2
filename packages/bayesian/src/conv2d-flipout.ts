import {
  add,
  conv2d,
  mul,
  randomNormal,
  serialization,
  type Tensor,
  type Tensor4D,
} from '@tensorflow/tfjs-core';
import { Conv2DReparameterization } from './conv2d-reparameterization.js';
import { randomSigns } from './dense-flipout.js';

/**
 * A Bayes by Backprop 2-D convolution with the Flipout estimator (Wen et al., 2018), the
 * convolutional counterpart of {@link DenseFlipout}: one kernel perturbation
 * `dW = softplus(rho) * eps` `[kh, kw, Cin, F]` is drawn per call, and each image `b` of the
 * batch sees it through its own random signs, one per input channel (`s_b` `[Cin]`) and one per
 * filter (`r_b` `[F]`), the same at every position:
 * `conv(x_b, W_b) = conv(x_b, mean) + conv(x_b * s_b, dW) * r_b`.
 * As `dW` is symmetric about 0, each output's marginal is exactly that of
 * {@link Conv2DReparameterization} (mean `conv(x, mean) + biasMean`, variance
 * `conv(x^2, std^2) + biasStd^2`), while the kernel perturbations of different images are
 * uncorrelated, which lowers the variance of a batch's gradient. Arguments, posterior, prior,
 * KL loss, bias draw (one per call), seeds and config are those of
 * {@link Conv2DReparameterization}. Channels last.
 *
 * Input `[B, H, W, Cin]`, output `[B, H', W', F]`.
 *
 * @example
 * ```ts
 * const conv = new Conv2DFlipout({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', numExamples: 60000, seed: 1 });
 * ```
 * @since 0.1.0
 */
export class Conv2DFlipout extends Conv2DReparameterization {
  /** @nocollapse */
  static override className = 'Conv2DFlipout';

  protected override sampleProduct(
    x: Tensor,
    kernelMean: Tensor,
    kernelStd: Tensor,
    seedOf: (label: string) => number | undefined,
  ): Tensor {
    const rows = x.shape[0]!;
    const channels = x.shape[3]!;
    const eps = randomNormal(kernelMean.shape, 0, 1, 'float32', seedOf('kernel'));
    // Signs per image and channel, broadcast over the positions: [B, 1, 1, Cin], [B, 1, 1, F].
    const signsIn = randomSigns([rows, 1, 1, channels], seedOf('signs-in'));
    const signsOut = randomSigns([rows, 1, 1, this.filters], seedOf('signs-out'));
    const image = x as Tensor4D;
    // [B, H, W, Cin] * [kh, kw, Cin, F] -> [B, H', W', F]: the mean part, then the perturbation
    // of the sign-flipped input, flipped again per filter.
    const perturbation = mul(
      conv2d(
        mul(image, signsIn) as Tensor4D,
        mul(kernelStd, eps) as Tensor4D,
        this.strides,
        this.padding,
      ),
      signsOut,
    );
    return add(conv2d(image, kernelMean as Tensor4D, this.strides, this.padding), perturbation);
  }
}

serialization.registerClass(Conv2DFlipout);
