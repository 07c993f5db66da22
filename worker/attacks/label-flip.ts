import { defineDataAttack } from './attack.js';

/** The label map y → (classes − 1) − y: 9 − y for ten classes. */
export function flippedLabels(classes: number): Uint8Array {
  return Uint8Array.from({ length: classes }, (_, y) => classes - 1 - y);
}

/** Label flipping (as evaluated by Karimireddy, He and Jaggi, 2021): the worker trains honestly on labels y → 9 − y. */
export const labelFlipAttack = defineDataAttack({
  kind: 'data',
  name: 'label-flip',
  summary: 'train on labels y → (classes − 1) − y, i.e. 9 − y (Karimireddy, He and Jaggi, 2021)',
  params: {},
  labelMap: (classes) => flippedLabels(classes),
});
